/** The largest mail Parley takes in, by SMTP or over HTTP from a relay. */
export const MAX_INBOUND_BYTES = 10 * 1024 * 1024;
