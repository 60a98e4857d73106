/**
 * The hidden first argument the completion scripts call eks-token with:
 * `eks-token __complete WORD…` answers what may come next (src/cli/complete.ts).
 * Not a table entry: no one types it, and help does not list it.
 * Its own module: the logger (which keeps --verbose out of these answers)
 * and the tools bundle both need it, and flags.ts imports the logger's type.
 */
export const COMPLETE_REQUEST = "__complete";
