import type { Server } from 'node:http';

/**
 * Starts a server listening and settles once it does: rejects when the port cannot be had (taken,
 * not allowed) instead of leaving the error to an 'error' listener nobody waits on.
 */
export function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
