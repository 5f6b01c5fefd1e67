// The few parts of mvdan-sh (mvdan.cc/sh compiled to JS) that ahe uses: the parser and the node walker.
declare module 'mvdan-sh' {
  export interface ShPos {
    Offset(): number;
    Line(): number;
  }
  export interface ShNode {
    Pos(): ShPos;
    End(): ShPos;
    // biome-ignore lint/suspicious/noExplicitAny: the untyped syntax tree of a GopherJS build
    [field: string]: any;
  }
  export interface ShParser {
    Parse(src: string, name: string): ShNode;
  }
  const sh: {
    syntax: {
      NewParser(...options: unknown[]): ShParser;
      KeepComments(keep: boolean): unknown;
      Variant(lang: unknown): unknown;
      LangBash: unknown;
      LangPOSIX: unknown;
      Walk(node: ShNode, visit: (node: ShNode | null) => boolean): void;
      NodeType(node: ShNode): string;
    };
  };
  export default sh;
}
