// Original file: proto/splitkey/v1/evaluator.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { EvaluateRequest as _splitkey_v1_EvaluateRequest, EvaluateRequest__Output as _splitkey_v1_EvaluateRequest__Output } from '../../splitkey/v1/EvaluateRequest.js';
import type { EvaluateResponse as _splitkey_v1_EvaluateResponse, EvaluateResponse__Output as _splitkey_v1_EvaluateResponse__Output } from '../../splitkey/v1/EvaluateResponse.js';
import type { GetKeyInfoRequest as _splitkey_v1_GetKeyInfoRequest, GetKeyInfoRequest__Output as _splitkey_v1_GetKeyInfoRequest__Output } from '../../splitkey/v1/GetKeyInfoRequest.js';
import type { KeyInfo as _splitkey_v1_KeyInfo, KeyInfo__Output as _splitkey_v1_KeyInfo__Output } from '../../splitkey/v1/KeyInfo.js';

export interface EvaluatorClient extends grpc.Client {
  Evaluate(argument: _splitkey_v1_EvaluateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  Evaluate(argument: _splitkey_v1_EvaluateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  Evaluate(argument: _splitkey_v1_EvaluateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  Evaluate(argument: _splitkey_v1_EvaluateRequest, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  evaluate(argument: _splitkey_v1_EvaluateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  evaluate(argument: _splitkey_v1_EvaluateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  evaluate(argument: _splitkey_v1_EvaluateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  evaluate(argument: _splitkey_v1_EvaluateRequest, callback: grpc.requestCallback<_splitkey_v1_EvaluateResponse__Output>): grpc.ClientUnaryCall;
  
  GetKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  GetKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  GetKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  GetKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  getKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  getKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  getKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  getKeyInfo(argument: _splitkey_v1_GetKeyInfoRequest, callback: grpc.requestCallback<_splitkey_v1_KeyInfo__Output>): grpc.ClientUnaryCall;
  
}

export interface EvaluatorHandlers extends grpc.UntypedServiceImplementation {
  Evaluate: grpc.handleUnaryCall<_splitkey_v1_EvaluateRequest__Output, _splitkey_v1_EvaluateResponse>;
  
  GetKeyInfo: grpc.handleUnaryCall<_splitkey_v1_GetKeyInfoRequest__Output, _splitkey_v1_KeyInfo>;
  
}

export interface EvaluatorDefinition extends grpc.ServiceDefinition {
  Evaluate: MethodDefinition<_splitkey_v1_EvaluateRequest, _splitkey_v1_EvaluateResponse, _splitkey_v1_EvaluateRequest__Output, _splitkey_v1_EvaluateResponse__Output>
  GetKeyInfo: MethodDefinition<_splitkey_v1_GetKeyInfoRequest, _splitkey_v1_KeyInfo, _splitkey_v1_GetKeyInfoRequest__Output, _splitkey_v1_KeyInfo__Output>
}
