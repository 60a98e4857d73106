/** A time as CloudTrail writes it: RFC 3339, UTC, whole seconds. */
export const iso = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, "Z");
