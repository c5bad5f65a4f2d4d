// The parts of node-red-node-test-helper the tests use; the package ships no typings.
declare module 'node-red-node-test-helper' {
  import type { Node } from 'node-red';
  type NodeModule = (RED: unknown) => void;
  interface TestHelper {
    init(runtimePath: string, settings?: Record<string, unknown>): void;
    load(nodes: NodeModule | NodeModule[], flow: object[], credentials?: object): Promise<void>;
    setFlows(flow: object[], type?: string, credentials?: object): Promise<void>;
    unload(): Promise<void>;
    getNode(id: string): (Node & Record<string, unknown>) | null;
    startServer(): Promise<void>;
    stopServer(): Promise<void>;
    clearFlows(): Promise<void>;
    log(): { args: unknown[][] };
  }
  const helper: TestHelper;
  export = helper;
}
