// The format of a mask export: PNG files (0/255 viewable, or 0/1 class indices), one COCO
// annotations.json (RLE, holes kept) or YOLO-seg polygon text files (no holes, specks left out).
import type { MaskExportFormatName } from '../../../shared/contract';
import { Field } from './ui';

export const MASK_FORMAT_HINTS: Record<MaskExportFormatName, string> = {
  '0-255': 'one PNG per photo, 0 / 255',
  '0-1': 'one PNG per photo, 0 / 1',
  'png-0-255': 'one PNG per photo, 0 / 255',
  'png-0-1': 'one PNG per photo, 0 / 1',
  coco: 'annotations.json with RLE masks (holes kept)',
  yolo: 'NAME.txt polygons + classes.txt (holes are filled, specks under 4 px left out)',
};

export function MaskFormatSelect({ id, value, onChange }: { id: string; value: MaskExportFormatName; onChange: (f: MaskExportFormatName) => void }) {
  return (
    <Field id={id} label="Format" hint={MASK_FORMAT_HINTS[value]}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value as MaskExportFormatName)}>
        <option value="0-255">PNG 0 / 255 (viewable)</option>
        <option value="0-1">PNG 0 / 1 (class indices)</option>
        <option value="coco">COCO (RLE, annotations.json)</option>
        <option value="yolo">YOLO-seg (polygons)</option>
      </select>
    </Field>
  );
}

/** What a finished export wrote, in words. */
export function describeMaskExport(r: { images?: number; files: number; objects?: number | null; format: MaskExportFormatName }): string {
  const n = r.images ?? r.files;
  const masks = `${n} mask${n === 1 ? '' : 's'} (${r.format})`;
  if (r.format === 'coco') return `${masks} into annotations.json, ${r.objects ?? 0} annotation${r.objects === 1 ? '' : 's'}`;
  if (r.format === 'yolo') return `${masks} as ${r.objects ?? 0} polygon${r.objects === 1 ? '' : 's'} in ${r.files} files`;
  return masks;
}
