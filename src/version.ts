/** The station's version, reported by / and in clientInfo to servers. */
export const VERSION = "0.1.0";
