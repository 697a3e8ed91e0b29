import http from 'node:http';
import https from 'node:https';

/**
 * Keep-alive connections per origin, reused across views. node:http rather than fetch: fetch's
 * streams cost a few ms of CPU per answer under load, on every view's critical path (issue #7 §4,
 * measured by bench/scenarios/view-latency.ts). As many idle sockets are kept as may be open: a
 * burst's sockets serve the next burst instead of being closed and opened again (a server's own
 * keep-alive timeout closes those it no longer wants).
 */
export const AGENT_OPTIONS = { keepAlive: true, maxSockets: 64, maxFreeSockets: 64, scheduling: 'lifo' } as const;

/**
 * The process's pools for sources without client TLS, like Node's own globalAgent: sockets, not
 * settings (a source with client TLS has its own agent, in its SourceConnection).
 */
export const SHARED_AGENTS = { 'http:': new http.Agent(AGENT_OPTIONS), 'https:': new https.Agent(AGENT_OPTIONS) };
