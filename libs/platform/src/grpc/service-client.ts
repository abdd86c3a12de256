import type { ChannelCredentials, Client, ClientOptions, Interceptor } from '@grpc/grpc-js';
import { mtlsChannel, type MtlsMaterial } from './mtls.js';

/** The constructor shape of a ts-proto generated grpc-js client. */
export type GrpcClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

export interface ServiceClientOptions {
  address: string;
  /** The service the server must prove to be (checked against its certificate). */
  target: string;
  mtls: MtlsMaterial;
  interceptors: Interceptor[];
}

/** A client to another Coffer service over mTLS with the platform's client interceptors. */
export function createServiceClient<C extends Client>(Constructor: GrpcClientConstructor<C>, options: ServiceClientOptions): C {
  const channel = mtlsChannel(options.mtls, options.target);
  return new Constructor(options.address, channel.credentials, { ...channel.options, interceptors: options.interceptors });
}
