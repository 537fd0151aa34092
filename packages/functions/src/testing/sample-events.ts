import { readFileSync } from 'node:fs';
import type { LambdaEvent } from 'hono/aws-lambda';

/** The sample events in `fixtures/apigw-v2` (their sources and adaptations: that folder's README). */
export const SAMPLE_EVENTS = [
  'powertools-jwt-authorizer-auth.named-stage',
  'aws-lambda-go-apigw-v2-request-no-authorizer.named-stage',
  'aws-lambda-go-apigw-v2-request-no-authorizer.default-route',
  'aws-lambda-go-apigw-v2-request-jwt-authorizer.custom-domain',
] as const;
export type SampleEventName = (typeof SAMPLE_EVENTS)[number];

interface SampleOverrides {
  /** Replaces the sample's `authorization` header (the samples carry truncated placeholders). */
  authorization?: string;
  /** Another route in the same position: `routeKey`, method and the path after the sample's prefix. */
  route?: { method: string; template: string; path: string };
}

/** A fresh copy of a sample event, with a real token or another route when asked. */
export function sampleEvent(name: SampleEventName, overrides: SampleOverrides = {}): LambdaEvent {
  const event = JSON.parse(readFileSync(new URL(`./fixtures/apigw-v2/${name}.json`, import.meta.url), 'utf8'));
  if (overrides.authorization !== undefined) {
    event.headers = { ...event.headers, authorization: overrides.authorization };
  }
  if (overrides.route) {
    const { method, template, path } = overrides.route;
    const key = `${method} ${template}`;
    // What the sample has in front of its own route (`/prod` of `/prod/me`); a catch-all sample's is its stage.
    const samplePath: string =
      event.routeKey === '$default'
        ? event.rawPath.slice(`/${event.requestContext.stage}`.length)
        : event.routeKey.split(' ')[1];
    const prefix = event.rawPath.slice(0, event.rawPath.length - samplePath.length);
    if (event.routeKey !== '$default') event.routeKey = key;
    if (event.requestContext.routeKey !== '$default') event.requestContext.routeKey = key;
    event.rawPath = `${prefix}${path}`;
    event.requestContext.http = { ...event.requestContext.http, method, path: event.rawPath };
    if (method === 'GET' || method === 'HEAD') event.body = undefined;
  }
  return event as LambdaEvent;
}
