/** "1 user", "3 users": a number and its noun, for what commands report. */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
