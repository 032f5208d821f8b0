import { createServer, IncomingHttpHeaders, Server } from "node:http";
import { AddressInfo } from "node:net";

export interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A real HTTP receiver on loopback that records what Herald sends. */
export class Receiver {
  received: Received[] = [];
  status = 200;
  private server: Server;

  private constructor(server: Server) {
    this.server = server;
  }

  static async start(): Promise<Receiver> {
    let receiver: Receiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c) => chunks.push(c));
      req.on("end", () => {
        receiver!.received.push({ headers: req.headers, body: Buffer.concat(chunks).toString("utf8") });
        res.writeHead(receiver!.status, { "content-type": "text/plain" });
        res.end(`receiver says ${receiver!.status}`);
      });
    });
    receiver = new Receiver(server);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return receiver;
  }

  url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}/hook`;
  }

  async close() {
    await new Promise((resolve) => this.server.close(resolve));
  }
}
