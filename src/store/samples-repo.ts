// Samples of imported datasets. Re-importing upserts by (dataset, stem) instead of delete-and-
// insert, so sample ids — and the predictions that reference them — survive a re-scan, and a
// mask the user edited keeps its `edited` status while its file is unchanged.
import type { MaskEncoding, Sample, Split } from '../engine/types';
import type { Database, Statement } from './db-types';

export type LabelStatus = 'labeled' | 'unlabeled' | 'edited';

export interface SampleRecord {
  id: number;
  datasetId: number;
  stem: string;
  imagePath: string;
  maskPath: string | null;
  maskEncoding: MaskEncoding;
  split: Split;
  width: number;
  height: number;
  species: 'cat' | 'dog' | null;
  breed: string | null;
  classId: number | null;
  labelStatus: LabelStatus;
  contentHash: string | null;
}

export interface SampleQuery {
  split?: Split;
  species?: 'cat' | 'dog';
  breed?: string;
  labeled?: boolean;
  /** Joins this run's predictions: `predictedDice` is filled and the dice orders become usable. */
  runId?: number;
  order?: 'stem' | 'dice-asc' | 'dice-desc';
  offset?: number;
  limit?: number;
}

export interface SampleWithDice extends SampleRecord {
  predictedDice: number | null;
}

/** A sample as the importer produces it, optionally with a content hash. */
export type SampleInput = Sample & { contentHash?: string };

interface SampleRow {
  id: number;
  dataset_id: number;
  stem: string;
  image_path: string;
  mask_path: string | null;
  mask_encoding: MaskEncoding;
  split: Split;
  width: number;
  height: number;
  species: 'cat' | 'dog' | null;
  breed: string | null;
  class_id: number | null;
  label_status: LabelStatus;
  content_hash: string | null;
}

function toRecord(r: SampleRow): SampleRecord {
  return {
    id: r.id,
    datasetId: r.dataset_id,
    stem: r.stem,
    imagePath: r.image_path,
    maskPath: r.mask_path,
    maskEncoding: r.mask_encoding,
    split: r.split,
    width: r.width,
    height: r.height,
    species: r.species,
    breed: r.breed,
    classId: r.class_id,
    labelStatus: r.label_status,
    contentHash: r.content_hash,
  };
}

/** The engine's Sample shape (optional fields left out rather than null). */
export function toEngineSample(s: SampleRecord): Sample {
  const out: Sample = { id: s.stem, imagePath: s.imagePath, maskEncoding: s.maskEncoding, split: s.split, width: s.width, height: s.height };
  if (s.maskPath !== null) out.maskPath = s.maskPath;
  if (s.classId !== null) out.classId = s.classId;
  if (s.species !== null) out.species = s.species;
  if (s.breed !== null) out.breed = s.breed;
  return out;
}

export class SamplesRepo {
  private readonly stmts;
  // Filtered queries combine optional clauses; each distinct SQL text is prepared once.
  private readonly queryCache = new Map<string, Statement>();

  constructor(private readonly db: Database) {
    this.stmts = {
      upsert: db.prepare(`
        INSERT INTO samples (dataset_id, stem, image_path, mask_path, mask_encoding, split, width, height,
                             species, breed, class_id, label_status, content_hash)
        VALUES (@datasetId, @stem, @imagePath, @maskPath, @maskEncoding, @split, @width, @height,
                @species, @breed, @classId, @labelStatus, @contentHash)
        ON CONFLICT (dataset_id, stem) DO UPDATE SET
          image_path = excluded.image_path, mask_encoding = excluded.mask_encoding, split = excluded.split,
          width = excluded.width, height = excluded.height, species = excluded.species, breed = excluded.breed,
          class_id = excluded.class_id, content_hash = coalesce(excluded.content_hash, samples.content_hash),
          label_status = CASE
            WHEN samples.label_status = 'edited' AND samples.mask_path IS excluded.mask_path THEN 'edited'
            ELSE excluded.label_status END,
          mask_path = excluded.mask_path`),
      stems: db.prepare<[number], { id: number; stem: string }>('SELECT id, stem FROM samples WHERE dataset_id = ?'),
      deleteById: db.prepare('DELETE FROM samples WHERE id = ?'),
      get: db.prepare<[number, string], SampleRow>('SELECT * FROM samples WHERE dataset_id = ? AND stem = ?'),
      getById: db.prepare<[number], SampleRow>('SELECT * FROM samples WHERE id = ?'),
      ofSplit: db.prepare<[number, string], SampleRow>('SELECT * FROM samples WHERE dataset_id = ? AND split = ? ORDER BY stem'),
      setMask: db.prepare(`
        UPDATE samples SET mask_path = @maskPath, mask_encoding = @encoding, label_status = 'edited'
        WHERE dataset_id = @datasetId AND stem = @stem`),
    };
  }

  /**
   * Makes the dataset's samples exactly `samples` (one transaction): new stems are inserted,
   * known ones updated in place, stems no longer present deleted (with their predictions).
   */
  replaceAll(datasetId: number, samples: readonly SampleInput[]): void {
    this.db.transaction(() => {
      const keep = new Set<string>();
      for (const s of samples) {
        if (keep.has(s.id)) throw new Error(`Duplicate sample "${s.id}" in dataset ${datasetId}`);
        keep.add(s.id);
        this.stmts.upsert.run({
          datasetId,
          stem: s.id,
          imagePath: s.imagePath,
          maskPath: s.maskPath ?? null,
          maskEncoding: s.maskEncoding,
          split: s.split,
          width: s.width,
          height: s.height,
          species: s.species ?? null,
          breed: s.breed ?? null,
          classId: s.classId ?? null,
          labelStatus: s.maskPath ? 'labeled' : 'unlabeled',
          contentHash: s.contentHash ?? null,
        });
      }
      for (const row of this.stmts.stems.all(datasetId)) if (!keep.has(row.stem)) this.stmts.deleteById.run(row.id);
    })();
  }

  get(datasetId: number, stem: string): SampleRecord | undefined {
    const row = this.stmts.get.get(datasetId, stem);
    return row ? toRecord(row) : undefined;
  }

  getById(id: number): SampleRecord | undefined {
    const row = this.stmts.getById.get(id);
    return row ? toRecord(row) : undefined;
  }

  ofSplit(datasetId: number, split: Split): SampleRecord[] {
    return this.stmts.ofSplit.all(datasetId, split).map(toRecord);
  }

  /** Records a mask drawn or corrected in the studio; the sample becomes `edited`. */
  setMask(datasetId: number, stem: string, maskPath: string, encoding: MaskEncoding): void {
    const r = this.stmts.setMask.run({ datasetId, stem, maskPath, encoding });
    if (r.changes === 0) throw new Error(`Sample "${stem}" is not in dataset ${datasetId}`);
  }

  /** A filtered, ordered page plus the total matching count (same snapshot). */
  query(datasetId: number, q: SampleQuery = {}): { total: number; items: SampleWithDice[] } {
    const where = ['s.dataset_id = @datasetId'];
    if (q.split) where.push('s.split = @split');
    if (q.species) where.push('s.species = @species');
    if (q.breed) where.push('s.breed = @breed');
    if (q.labeled === true) where.push("s.label_status <> 'unlabeled'");
    if (q.labeled === false) where.push("s.label_status = 'unlabeled'");
    const join = q.runId !== undefined ? 'LEFT JOIN predictions p ON p.sample_id = s.id AND p.run_id = @runId' : '';
    const dice = q.runId !== undefined ? 'p.dice' : 'NULL';
    const order = q.order ?? 'stem';
    if (order !== 'stem' && q.runId === undefined) throw new Error(`Ordering by ${order} needs a runId`);
    // Samples without a prediction sort last either way, so the worst/best predicted come first.
    const orderBy = order === 'stem' ? 's.stem' : `p.dice IS NULL, p.dice ${order === 'dice-asc' ? 'ASC' : 'DESC'}, s.stem`;
    const from = `FROM samples s ${join} WHERE ${where.join(' AND ')}`;
    const params = {
      datasetId,
      split: q.split ?? null,
      species: q.species ?? null,
      breed: q.breed ?? null,
      runId: q.runId ?? null,
      limit: q.limit ?? -1,
      offset: q.offset ?? 0,
    };
    const used = (sql: string) => Object.fromEntries(Object.entries(params).filter(([k]) => sql.includes(`@${k}`)));
    const countSql = `SELECT count(*) AS n ${from}`;
    const pageSql = `SELECT s.*, ${dice} AS predicted_dice ${from} ORDER BY ${orderBy} LIMIT @limit OFFSET @offset`;
    return this.db.transaction(() => {
      const total = (this.prepared(countSql).get(used(countSql)) as { n: number }).n;
      const rows = this.prepared(pageSql).all(used(pageSql)) as Array<SampleRow & { predicted_dice: number | null }>;
      return { total, items: rows.map((r) => ({ ...toRecord(r), predictedDice: r.predicted_dice })) };
    })();
  }

  private prepared(sql: string): Statement {
    let stmt = this.queryCache.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.queryCache.set(sql, stmt);
    }
    return stmt;
  }
}
