/** What is signed, and as whom: everything that decides a token (the cache key's core, the miss path's input). */
export interface TokenRequest {
  clusterId: string;
  region?: string;
  profile?: string;
  roleArn?: string;
  externalId?: string;
  sessionName?: string;
  forwardSessionName: boolean;
}
