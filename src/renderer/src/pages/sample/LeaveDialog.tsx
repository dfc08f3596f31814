// Asked when the user goes elsewhere in the app with unsaved label edits: save them and go,
// throw them away and go, or stay. Escape stays.
import { useEffect, useRef, useState } from 'react';
import type { PendingLeave } from '../../labeling/use-leave-guard';

export function LeaveDialog({ pending, sampleId }: { pending: PendingLeave; sampleId: string }) {
  const first = useRef<HTMLButtonElement>(null);
  const [saving, setSaving] = useState(false);
  const latest = useRef(pending);
  latest.current = pending;
  // Focus once, when the dialog opens (not on every render, which would pull it back from Tab).
  useEffect(() => {
    first.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') latest.current.stay();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="modal-backdrop">
      <div className="modal" role="alertdialog" aria-modal="true" aria-labelledby="leave-title" aria-describedby="leave-text">
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
