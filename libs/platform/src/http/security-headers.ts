import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import helmet, { HelmetOptions } from 'helmet';

/**
 * Helmet's defaults with the API's Content-Security-Policy: the API answers JSON; pages set their
 * own stricter policy; Swagger UI is relaxed below.
 */
export const HELMET_OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
      formAction: ["'self'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
  },
  crossOriginEmbedderPolicy: false,
};

/** Swagger UI needs inline styles and scripts; only the docs routes get this policy. */
export const DOCS_CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'";

/**
 * The headers helmet sets for `options`. None of them depends on the request (no directive is a
 * function, no nonces), so they are computed once here instead of by helmet on every request.
 */
export function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string | number) {
      headers[name.toLowerCase()] = String(value);
    },
    // Helmet removes X-Powered-By, which Fastify never sets.
    removeHeader() {},
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/**
 * Security headers on every answer, set in one onRequest hook from sets computed at start-up.
 * They go in before any handler runs, so a route that sets its own header (the checkout pages'
 * stricter Content-Security-Policy, the queue dashboard's) replaces the default, as it did when
 * helmet ran per request.
 */
export function registerSecurityHeaders(app: NestFastifyApplication): void {
  const apiHeaders = helmetHeaders(HELMET_OPTIONS);
  const docsHeaders = { ...apiHeaders, 'content-security-policy': DOCS_CONTENT_SECURITY_POLICY };
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onRequest', (request, reply, done) => {
      reply.headers(request.url.startsWith('/docs') ? docsHeaders : apiHeaders);
      reply.header('x-request-id', request.id);
      done();
    });
}
