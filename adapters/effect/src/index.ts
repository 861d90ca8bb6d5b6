// Placeholder while the adapter is being built (issue 8); it exports nothing yet.
export {};
