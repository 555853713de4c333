// Original file: proto/splitkey/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ImportShareRequest as _splitkey_v1_ImportShareRequest, ImportShareRequest__Output as _splitkey_v1_ImportShareRequest__Output } from '../../splitkey/v1/ImportShareRequest.js';
import type { ImportShareResponse as _splitkey_v1_ImportShareResponse, ImportShareResponse__Output as _splitkey_v1_ImportShareResponse__Output } from '../../splitkey/v1/ImportShareResponse.js';
import type { KeyStatusRequest as _splitkey_v1_KeyStatusRequest, KeyStatusRequest__Output as _splitkey_v1_KeyStatusRequest__Output } from '../../splitkey/v1/KeyStatusRequest.js';
import type { KeyStatusResponse as _splitkey_v1_KeyStatusResponse, KeyStatusResponse__Output as _splitkey_v1_KeyStatusResponse__Output } from '../../splitkey/v1/KeyStatusResponse.js';
import type { ListKeysRequest as _splitkey_v1_ListKeysRequest, ListKeysRequest__Output as _splitkey_v1_ListKeysRequest__Output } from '../../splitkey/v1/ListKeysRequest.js';
import type { ListKeysResponse as _splitkey_v1_ListKeysResponse, ListKeysResponse__Output as _splitkey_v1_ListKeysResponse__Output } from '../../splitkey/v1/ListKeysResponse.js';
import type { NodeStatusRequest as _splitkey_v1_NodeStatusRequest, NodeStatusRequest__Output as _splitkey_v1_NodeStatusRequest__Output } from '../../splitkey/v1/NodeStatusRequest.js';
import type { NodeStatusResponse as _splitkey_v1_NodeStatusResponse, NodeStatusResponse__Output as _splitkey_v1_NodeStatusResponse__Output } from '../../splitkey/v1/NodeStatusResponse.js';

export interface AdminClient extends grpc.Client {
  ImportShare(argument: _splitkey_v1_ImportShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  ImportShare(argument: _splitkey_v1_ImportShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  ImportShare(argument: _splitkey_v1_ImportShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  ImportShare(argument: _splitkey_v1_ImportShareRequest, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  importShare(argument: _splitkey_v1_ImportShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  importShare(argument: _splitkey_v1_ImportShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  importShare(argument: _splitkey_v1_ImportShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  importShare(argument: _splitkey_v1_ImportShareRequest, callback: grpc.requestCallback<_splitkey_v1_ImportShareResponse__Output>): grpc.ClientUnaryCall;
  
  KeyStatus(argument: _splitkey_v1_KeyStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  KeyStatus(argument: _splitkey_v1_KeyStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  KeyStatus(argument: _splitkey_v1_KeyStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  KeyStatus(argument: _splitkey_v1_KeyStatusRequest, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  keyStatus(argument: _splitkey_v1_KeyStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  keyStatus(argument: _splitkey_v1_KeyStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  keyStatus(argument: _splitkey_v1_KeyStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  keyStatus(argument: _splitkey_v1_KeyStatusRequest, callback: grpc.requestCallback<_splitkey_v1_KeyStatusResponse__Output>): grpc.ClientUnaryCall;
  
  ListKeys(argument: _splitkey_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _splitkey_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _splitkey_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  ListKeys(argument: _splitkey_v1_ListKeysRequest, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _splitkey_v1_ListKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _splitkey_v1_ListKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _splitkey_v1_ListKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  listKeys(argument: _splitkey_v1_ListKeysRequest, callback: grpc.requestCallback<_splitkey_v1_ListKeysResponse__Output>): grpc.ClientUnaryCall;
  
  NodeStatus(argument: _splitkey_v1_NodeStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _splitkey_v1_NodeStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _splitkey_v1_NodeStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  NodeStatus(argument: _splitkey_v1_NodeStatusRequest, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _splitkey_v1_NodeStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _splitkey_v1_NodeStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _splitkey_v1_NodeStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  nodeStatus(argument: _splitkey_v1_NodeStatusRequest, callback: grpc.requestCallback<_splitkey_v1_NodeStatusResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  ImportShare: grpc.handleUnaryCall<_splitkey_v1_ImportShareRequest__Output, _splitkey_v1_ImportShareResponse>;
  
  KeyStatus: grpc.handleUnaryCall<_splitkey_v1_KeyStatusRequest__Output, _splitkey_v1_KeyStatusResponse>;
  
  ListKeys: grpc.handleUnaryCall<_splitkey_v1_ListKeysRequest__Output, _splitkey_v1_ListKeysResponse>;
  
  NodeStatus: grpc.handleUnaryCall<_splitkey_v1_NodeStatusRequest__Output, _splitkey_v1_NodeStatusResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  ImportShare: MethodDefinition<_splitkey_v1_ImportShareRequest, _splitkey_v1_ImportShareResponse, _splitkey_v1_ImportShareRequest__Output, _splitkey_v1_ImportShareResponse__Output>
  KeyStatus: MethodDefinition<_splitkey_v1_KeyStatusRequest, _splitkey_v1_KeyStatusResponse, _splitkey_v1_KeyStatusRequest__Output, _splitkey_v1_KeyStatusResponse__Output>
  ListKeys: MethodDefinition<_splitkey_v1_ListKeysRequest, _splitkey_v1_ListKeysResponse, _splitkey_v1_ListKeysRequest__Output, _splitkey_v1_ListKeysResponse__Output>
  NodeStatus: MethodDefinition<_splitkey_v1_NodeStatusRequest, _splitkey_v1_NodeStatusResponse, _splitkey_v1_NodeStatusRequest__Output, _splitkey_v1_NodeStatusResponse__Output>
}
