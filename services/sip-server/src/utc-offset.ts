/** "+08:00", "-05:30": the form DEVICE_TIME_ZONE takes (hours up to 14, as real zones go). */
export const UTC_OFFSET = /^[+-](0\d|1[0-4]):[0-5]\d$/;

/** Minutes east of UTC for a "+HH:MM" offset; undefined when it is not one. */
export function parseUtcOffset(text: string): number | undefined {
  if (!UTC_OFFSET.test(text)) return undefined;
  const minutes = Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6));
  return text.startsWith("-") ? -minutes : minutes;
}
