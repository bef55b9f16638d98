import Link from "next/link";

/** A page whose capability is not built yet. It says so instead of pretending. */
export function PlannedPage({ title, summary, planned }: { title: string; summary: string; planned: string[] }) {
  return (
    <section className="page" aria-labelledby="page-title">
      <header className="page-header">
        <h1 id="page-title">{title}</h1>
        <span className="badge badge-muted">not built yet</span>
      </header>
      <div className="notice" role="note">
        <p>{summary}</p>
        <p>This page is empty on purpose: nothing here works yet. It will offer:</p>
        <ul>
          {planned.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
        <p>
          Until then, the <Link href="/services">Services</Link> page shows the mesh&apos;s services, subsets and endpoints.
        </p>
      </div>
    </section>
  );
}
