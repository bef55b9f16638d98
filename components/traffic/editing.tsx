"use client";

import { type ReactNode, createContext, useContext } from "react";

/**
 * Whether the person may change this service's traffic. Without the role every control stays in
 * view, disabled (the server refuses the change anyway), while what only reads — switching the
 * intent shown, the Form/YAML view, a revision's diff — keeps working.
 */
export const CanEdit = createContext(true);

export function useCanEdit(): boolean {
  return useContext(CanEdit);
}

/** The editing controls of a card: disabled together for someone who may only read. */
export function EditFieldset({ children }: { children: ReactNode }) {
  return (
    <fieldset className="plain-fieldset" disabled={!useCanEdit()}>
      {children}
    </fieldset>
  );
}
