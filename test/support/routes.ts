import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';

export interface ControllerRoute {
  /** GET, POST, … */
  method: string;
  /** The controller's path and the handler's joined, `:id` parameters as Nest writes them. */
  path: string;
  controller: new (...args: never[]) => unknown;
  handler: (...args: unknown[]) => unknown;
}

/** Every route of every controller in the app's module graph, read from the decorators' metadata. */
export function controllerRoutes(app: NestFastifyApplication): ControllerRoute[] {
  const routes: ControllerRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = String(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      for (const name of new MetadataScanner().getAllMethodNames(controller.prototype)) {
        const handler = (controller.prototype as Record<string, unknown>)[name];
        if (typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler);
        if (path === undefined) continue;
        routes.push({
          method: RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as number],
          path: `/${[base, String(path)].filter((part) => part && part !== '/').join('/')}`.replace(
            /\/+/g,
            '/',
          ),
          controller,
          handler: handler as (...args: unknown[]) => unknown,
        });
      }
    }
  }
  return routes;
}
