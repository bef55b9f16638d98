"use client";

import { type RefObject, useEffect } from "react";

/** "/" focuses the page's filter or find box (as in most consoles); Escape calls onEscape. */
export function useSlashToFocus(target: RefObject<HTMLInputElement | null>, onEscape?: () => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const el = e.target as HTMLElement | null;
      const typing = el && ["INPUT", "TEXTAREA", "SELECT"].includes(el.tagName);
      if (e.key === "/" && !typing) {
        e.preventDefault();
        target.current?.focus();
      } else if (e.key === "Escape") onEscape?.();
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [target, onEscape]);
}
