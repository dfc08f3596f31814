// Sizes and rates for the download panel and the datasets list.
export function fmtBytes(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const units = ['B', 'KB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(i === 0 || v >= 100 ? 0 : 1)} ${units[i]}`;
}

export function totalImages(d: { counts: { train: number; valid: number; test: number; unlabeled: number } }): number {
  return d.counts.train + d.counts.valid + d.counts.test + d.counts.unlabeled;
}

export function fmtWhen(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString();
}
