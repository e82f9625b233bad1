// The parts of Bun's and Deno's globals that apps/serve-native.ts uses (their full types come with
// bun-types and Deno's own checker, which nothing else here needs).
declare const Bun:
  | {
      serve(options: {
        hostname: string;
        port: number;
        fetch(request: Request): Response | Promise<Response>;
      }): { port: number };
    }
  | undefined;
declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen(addr: unknown): void },
    handler: (request: Request) => Response | Promise<Response>,
  ): { addr: { port: number } };
};
