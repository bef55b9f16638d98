// The data plane thread's first module: plain JavaScript, so Node can start it without a
// loader; it registers tsx's TypeScript loader for this thread, then runs worker.ts.
import { register } from "tsx/esm/api";

register();
await import("./worker.ts");
