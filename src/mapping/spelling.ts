/**
 * Near misses of names (system:bootsrappers for system:bootstrappers, a role
 * name one letter off), for lint's "did you mean" and explain's near misses.
 */

/** A slip, not another name: one edit per four characters of the intended name, at least one, at most three; case ignored. */
export function similarName(written: string, intended: string): boolean {
  const slack = Math.min(3, Math.max(1, Math.floor(intended.length / 4)));
  return editDistance(written.toLowerCase(), intended.toLowerCase()) <= slack;
}

/** Optimal string alignment distance: edits plus adjacent transpositions ("bootsrappers" is 1). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate closest to `word` (ignoring letter case), if any is within maxDistance edits. */
export function nearest(word: string, candidates: string[], maxDistance: number): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
