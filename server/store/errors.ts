import { UnavailableError, describeError } from "../errors";

/**
 * A database failure a person can act on, told apart from a bug: the disk is full, the server is
 * out of resources, or the connection is gone. Read from the error's shape (Prisma's error classes
 * and its driver adapter's SQLSTATE), so callers need not load the Prisma client to ask.
 * Undefined for anything else (a constraint, a bug): those keep their own handling.
 * A statement refused for space or resources is rolled back: nothing was changed. A connection
 * lost mid-request may have lost the answer to a commit: the message says to look before retrying.
 */
const UNSURE = "the change may or may not have been saved: reload to see what is in force, then try again";

export function storeUnavailable(e: unknown): UnavailableError | undefined {
  if (!e || typeof e !== "object") return undefined;
  type Cause = { code?: string; kind?: string; originalMessage?: string; message?: string };
  const err = e as { name?: string; code?: string; meta?: { driverAdapterError?: { cause?: Cause } }; message?: string; cause?: Cause };
  // node-postgres's own errors (a dropped connection) come through Prisma's adapter unwrapped: known by where they were thrown.
  const fromPg = /[\\/]node_modules[\\/](pg|pg-pool|@prisma[\\/]adapter-pg)[\\/]/.test((e as { stack?: string }).stack ?? "");
  if (fromPg && !("code" in err && /^[0-9A-Z]{5}$/.test(String(err.code))))
    return new UnavailableError("database", `the connection failed (${err.message ?? describeError(e)}); ${UNSURE}`, { cause: e });
  if (!String(err.name ?? "").startsWith("PrismaClient") && err.name !== "DriverAdapterError") return undefined;
  const cause = err.meta?.driverAdapterError?.cause ?? err.cause;
  const sqlstate = cause?.code ?? /Code: `([0-9A-Z]{5})`/.exec(err.message ?? "")?.[1];
  const said = cause?.originalMessage ?? cause?.message ?? describeError(e).split("\n").pop() ?? "";
  if (sqlstate === "53100") return new UnavailableError("database", `it cannot write: the disk is full (${said}); nothing was changed. Free space where the data lives, then try again`, { cause: e });
  if (sqlstate?.startsWith("53")) return new UnavailableError("database", `it is out of resources (${said}); nothing was changed, try again`, { cause: e });
  if (sqlstate?.startsWith("08") || sqlstate === "57P01" || sqlstate === "57P03") return new UnavailableError("database", `the connection failed (${said}); ${UNSURE}`, { cause: e });
  if (err.name === "PrismaClientInitializationError" || ["P1001", "P1002", "P1008", "P1017", "P2024"].includes(err.code ?? "") || ["DatabaseNotReachable", "ConnectionClosed", "SocketTimeout", "TooManyConnections"].includes(cause?.kind ?? ""))
    return new UnavailableError("database", `it cannot be reached (${said || err.code}); ${UNSURE}`, { cause: e });
  return undefined;
}
