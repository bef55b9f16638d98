/** The loading and load-failure states every page shows the same way (role=status / role=alert for screen readers). */
export function Loading({ what }: { what?: string }) {
  return (
    <div className="loading" role="status">
      <span className="spinner" aria-hidden="true" /> Loading{what ? ` ${what}` : ""}…
    </div>
  );
}

export function LoadError({ what, error }: { what?: string; error: Error }) {
  return (
    <div className="alert" role="alert">
      {what ? `Cannot load ${what}: ` : ""}
      {error.message}
    </div>
  );
}
