import { trace } from '@opentelemetry/api';
import { loadConfig } from '../../lib/config';
import { startTracing } from '../../ops/tracing';

/**
 * Tracing is configured by the standard OpenTelemetry variables, read once in lib/config.ts
 * (https://opentelemetry.io/docs/specs/otel/configuration/sdk-environment-variables/), and is off
 * unless asked for.
 */

const tracingOf = (env: Record<string, string>) => loadConfig(env).tracing;

test('off by default: no exporter, and no SDK is started', () => {
  expect(tracingOf({})).toMatchObject({ exporter: 'none' });
  expect(startTracing(tracingOf({}), 'qhr-test')).toBeUndefined();
  // The API's tracer stays its no-op: spans cost nothing and record nothing.
  expect(trace.getTracer('qhr').startSpan('x').isRecording()).toBe(false);
});

test('an OTLP endpoint turns it on; the general endpoint gets the traces path, the per-signal one is used as is', () => {
  expect(tracingOf({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).toEqual({ exporter: 'otlp', endpoint: 'http://collector:4318/v1/traces' });
  expect(tracingOf({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://collector.example/custom' })).toEqual({ exporter: 'otlp', endpoint: 'https://collector.example/custom' });
});

test('OTEL_TRACES_EXPORTER=otlp alone sends to the spec default; none, or OTEL_SDK_DISABLED, keeps it off whatever the endpoint', () => {
  expect(tracingOf({ OTEL_TRACES_EXPORTER: 'otlp' })).toEqual({ exporter: 'otlp', endpoint: 'http://localhost:4318/v1/traces' });
  expect(tracingOf({ OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporter).toBe('none');
  expect(tracingOf({ OTEL_SDK_DISABLED: 'true', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).exporter).toBe('none');
});

test('OTEL_SERVICE_NAME names the service; an exporter we do not ship stops the start', () => {
  expect(tracingOf({ OTEL_TRACES_EXPORTER: 'otlp', OTEL_SERVICE_NAME: 'qhr-gateway-mtl' }).serviceName).toBe('qhr-gateway-mtl');
  expect(() => tracingOf({ OTEL_TRACES_EXPORTER: 'zipkin' })).toThrow('OTEL_TRACES_EXPORTER must be otlp or none');
});
