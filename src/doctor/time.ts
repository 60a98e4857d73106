/** "in 14 min", "3 h ago", "in 40 s": how far a moment is from now, for the report. Pure. */
export function duration(ms: number): string {
  const abs = Math.abs(ms);
  const amount = abs < 90_000 ? `${Math.round(abs / 1000)} s` : abs < 90 * 60_000 ? `${Math.round(abs / 60_000)} min` : abs < 48 * 3_600_000 ? `${Math.round(abs / 3_600_000)} h` : `${Math.round(abs / 86_400_000)} days`;
  return ms >= 0 ? `in ${amount}` : `${amount} ago`;
}
