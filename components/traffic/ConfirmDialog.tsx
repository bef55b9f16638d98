"use client";

import { useEffect, useRef } from "react";

/**
 * A modal question before a change to production traffic. Cancel has the
 * focus (Enter on an unexpected dialog does not ship the change); Escape
 * cancels.
 */
export function ConfirmDialog({ title, children, confirmLabel, onConfirm, onCancel }: { title: string; children: React.ReactNode; confirmLabel: string; onConfirm(): void; onCancel(): void }) {
  const ref = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
    cancelRef.current?.focus();
    return () => d?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        onCancel();
      }}
    >
      <h2 id="confirm-title">{title}</h2>
      {children}
      <div className="toolbar">
        <button ref={cancelRef} type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={onConfirm}>
          {confirmLabel}
        </button>
      </div>
    </dialog>
  );
}

/** Before -> after per subset, the rows a traffic change is confirmed by. */
export function WeightChange({ before, after }: { before: { subset: string; weight: number }[]; after: { subset: string; weight: number }[] }) {
  const subsets = [...new Set([...before, ...after].map((w) => w.subset))];
  const of = (ws: { subset: string; weight: number }[], s: string) => ws.find((w) => w.subset === s)?.weight ?? 0;
  return (
    <table className="table table-compact" aria-label="Weights before and after" data-testid="weight-change">
      <thead>
        <tr>
          <th scope="col">Subset</th>
          <th scope="col">Now</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {subsets.map((s) => (
          <tr key={s} className={of(before, s) !== of(after, s) ? "changed" : undefined}>
            <td>{s}</td>
            <td>{of(before, s)}%</td>
            <td>
              <strong>{of(after, s)}%</strong>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
