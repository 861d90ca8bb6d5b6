// Placeholder while the bridges are being built (issue 7); it exports nothing yet.
export {};
