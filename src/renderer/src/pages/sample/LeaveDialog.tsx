// Asked when the user goes elsewhere in the app with unsaved label edits: save them and go,
// throw them away and go, or stay. Escape stays; Tab stays inside the dialog.
import { useEffect, useRef, useState } from 'react';
import type { PendingLeave } from '../../labeling/use-leave-guard';

export function LeaveDialog({ pending, sampleId }: { pending: PendingLeave; sampleId: string }) {
  const first = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  const [saving, setSaving] = useState(false);
  const latest = useRef(pending);
  latest.current = pending;
  // Focus once, when the dialog opens (not on every render, which would pull it back from Tab).
  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') latest.current.stay();
      if (e.key !== 'Tab') return;
      // Tab cycles through the dialog's buttons only (the page behind is inert while it is open).
      const buttons = [...(box.current?.querySelectorAll<HTMLButtonElement>('button:not(:disabled)') ?? [])];
      if (buttons.length === 0) return;
      const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
      const next = at === -1 ? 0 : (at + (e.shiftKey ? buttons.length - 1 : 1)) % buttons.length;
      e.preventDefault();
      buttons[next]!.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop">
      <div ref={box} className="modal" role="alertdialog" aria-modal="true" aria-labelledby="leave-title" aria-describedby="leave-text">
        <h3 id="leave-title">Unsaved label edits</h3>
        <p id="leave-text">The label of {sampleId} has edits that are not saved. Leaving without saving throws them away.</p>
        <div className="row">
          <button
            ref={first}
            type="button"
            className="primary"
            disabled={saving}
            onClick={() => {
              setSaving(true);
              void pending.saveAndLeave().finally(() => setSaving(false));
            }}
          >
            {saving ? 'Saving…' : 'Save and leave'}
          </button>
          <button type="button" className="danger" disabled={saving} onClick={pending.discardAndLeave}>
            Discard edits and leave
          </button>
          <button type="button" disabled={saving} onClick={pending.stay}>
            Stay
          </button>
        </div>
      </div>
    </div>
  );
}
