/** A UTC offset where the local time is 12:xx now, and that local day of the week (1 Monday … 7 Sunday). */
export function middayZone(now: Date): { offset: string; minutes: number; dayOfWeek: number } {
  const hours = 12 - now.getUTCHours();
  const minutes = hours * 60;
  const local = new Date(now.getTime() + minutes * 60_000);
  const offset = `${hours < 0 ? "-" : "+"}${String(Math.abs(hours)).padStart(2, "0")}:00`;
  return { offset, minutes, dayOfWeek: ((local.getUTCDay() + 6) % 7) + 1 };
}
