/** Choosing listen ports: the documented default when it is free, any free port otherwise. */
import { createServer } from 'node:net';

/** True when nothing listens on `port` at `host` (checked by binding it briefly). */
export async function isPortFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

/**
 * `preferred` when it is free, else 0 (the OS picks a free port at listen time). A preferred port
 * of 0 stays 0. The check and the listen are not atomic; the demo only needs "usually the default".
 */
export async function preferredPort(preferred: number, host: string): Promise<number> {
  if (preferred === 0) return 0;
  return (await isPortFree(preferred, host)) ? preferred : 0;
}
