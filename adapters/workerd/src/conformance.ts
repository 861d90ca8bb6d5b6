// Placeholder while the adapter is being built (issue 6); it exports nothing yet.
export {};
