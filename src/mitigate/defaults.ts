/** How much evidence blocks an address, and how far blocks may widen (`mitigate`'s flags). */
export const DEFAULT_MIN_EVENTS = 5;
export const DEFAULT_MAX_PREFIX4 = 24;
export const DEFAULT_MAX_PREFIX6 = 48;
