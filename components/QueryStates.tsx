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

/** A failed change (a mutation's error), said where the action is. */
export function ActionError({ error }: { error: Error | null }) {
  if (!error) return null;
  return (
    <p className="alert" role="alert">
      {error.message}
    </p>
  );
}
