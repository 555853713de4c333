// Original file: proto/splitkey/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { HelloRequest as _splitkey_v1_HelloRequest, HelloRequest__Output as _splitkey_v1_HelloRequest__Output } from '../../splitkey/v1/HelloRequest.js';
import type { HelloResponse as _splitkey_v1_HelloResponse, HelloResponse__Output as _splitkey_v1_HelloResponse__Output } from '../../splitkey/v1/HelloResponse.js';

export interface PeerClient extends grpc.Client {
  Hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  Hello: grpc.handleUnaryCall<_splitkey_v1_HelloRequest__Output, _splitkey_v1_HelloResponse>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  Hello: MethodDefinition<_splitkey_v1_HelloRequest, _splitkey_v1_HelloResponse, _splitkey_v1_HelloRequest__Output, _splitkey_v1_HelloResponse__Output>
}
