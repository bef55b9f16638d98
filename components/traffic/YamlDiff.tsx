"use client";

/** A unified diff with added and removed lines marked, or a note when nothing changes. */
export function YamlDiff({ diff, empty = "No change to the objects in force." }: { diff: string; empty?: string }) {
  if (!diff) return <p className="muted small">{empty}</p>;
  const lines = diff.split("\n").filter((l) => !l.startsWith("===") && !l.startsWith("---") && !l.startsWith("+++") && !l.startsWith("\\"));
  return (
    <pre className="code diff" data-testid="diff">
      {lines.map((l, i) => (
        <span key={i} className={l.startsWith("+") ? "diff-add" : l.startsWith("-") ? "diff-del" : l.startsWith("@@") ? "diff-hunk" : undefined}>
          {l}
          {"\n"}
        </span>
      ))}
    </pre>
  );
}
