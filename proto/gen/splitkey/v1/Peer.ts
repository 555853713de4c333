// Original file: proto/splitkey/v1/peer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { ConfirmComplaintRequest as _splitkey_v1_ConfirmComplaintRequest, ConfirmComplaintRequest__Output as _splitkey_v1_ConfirmComplaintRequest__Output } from '../../splitkey/v1/ConfirmComplaintRequest.js';
import type { ConfirmComplaintResponse as _splitkey_v1_ConfirmComplaintResponse, ConfirmComplaintResponse__Output as _splitkey_v1_ConfirmComplaintResponse__Output } from '../../splitkey/v1/ConfirmComplaintResponse.js';
import type { DeliverShareRequest as _splitkey_v1_DeliverShareRequest, DeliverShareRequest__Output as _splitkey_v1_DeliverShareRequest__Output } from '../../splitkey/v1/DeliverShareRequest.js';
import type { DeliverShareResponse as _splitkey_v1_DeliverShareResponse, DeliverShareResponse__Output as _splitkey_v1_DeliverShareResponse__Output } from '../../splitkey/v1/DeliverShareResponse.js';
import type { HelloRequest as _splitkey_v1_HelloRequest, HelloRequest__Output as _splitkey_v1_HelloRequest__Output } from '../../splitkey/v1/HelloRequest.js';
import type { HelloResponse as _splitkey_v1_HelloResponse, HelloResponse__Output as _splitkey_v1_HelloResponse__Output } from '../../splitkey/v1/HelloResponse.js';
import type { SessionStateRequest as _splitkey_v1_SessionStateRequest, SessionStateRequest__Output as _splitkey_v1_SessionStateRequest__Output } from '../../splitkey/v1/SessionStateRequest.js';
import type { SessionStateResponse as _splitkey_v1_SessionStateResponse, SessionStateResponse__Output as _splitkey_v1_SessionStateResponse__Output } from '../../splitkey/v1/SessionStateResponse.js';
import type { VersionHistoryRequest as _splitkey_v1_VersionHistoryRequest, VersionHistoryRequest__Output as _splitkey_v1_VersionHistoryRequest__Output } from '../../splitkey/v1/VersionHistoryRequest.js';
import type { VersionHistoryResponse as _splitkey_v1_VersionHistoryResponse, VersionHistoryResponse__Output as _splitkey_v1_VersionHistoryResponse__Output } from '../../splitkey/v1/VersionHistoryResponse.js';

export interface PeerClient extends grpc.Client {
  ConfirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  ConfirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  ConfirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  ConfirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  confirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  confirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  confirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  confirmComplaint(argument: _splitkey_v1_ConfirmComplaintRequest, callback: grpc.requestCallback<_splitkey_v1_ConfirmComplaintResponse__Output>): grpc.ClientUnaryCall;
  
  DeliverShare(argument: _splitkey_v1_DeliverShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  DeliverShare(argument: _splitkey_v1_DeliverShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  DeliverShare(argument: _splitkey_v1_DeliverShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  DeliverShare(argument: _splitkey_v1_DeliverShareRequest, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  deliverShare(argument: _splitkey_v1_DeliverShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  deliverShare(argument: _splitkey_v1_DeliverShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  deliverShare(argument: _splitkey_v1_DeliverShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  deliverShare(argument: _splitkey_v1_DeliverShareRequest, callback: grpc.requestCallback<_splitkey_v1_DeliverShareResponse__Output>): grpc.ClientUnaryCall;
  
  Hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  Hello(argument: _splitkey_v1_HelloRequest, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  hello(argument: _splitkey_v1_HelloRequest, callback: grpc.requestCallback<_splitkey_v1_HelloResponse__Output>): grpc.ClientUnaryCall;
  
  SessionState(argument: _splitkey_v1_SessionStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  SessionState(argument: _splitkey_v1_SessionStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  SessionState(argument: _splitkey_v1_SessionStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  SessionState(argument: _splitkey_v1_SessionStateRequest, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  sessionState(argument: _splitkey_v1_SessionStateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  sessionState(argument: _splitkey_v1_SessionStateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  sessionState(argument: _splitkey_v1_SessionStateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  sessionState(argument: _splitkey_v1_SessionStateRequest, callback: grpc.requestCallback<_splitkey_v1_SessionStateResponse__Output>): grpc.ClientUnaryCall;
  
  VersionHistory(argument: _splitkey_v1_VersionHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  VersionHistory(argument: _splitkey_v1_VersionHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  VersionHistory(argument: _splitkey_v1_VersionHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  VersionHistory(argument: _splitkey_v1_VersionHistoryRequest, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  versionHistory(argument: _splitkey_v1_VersionHistoryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  versionHistory(argument: _splitkey_v1_VersionHistoryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  versionHistory(argument: _splitkey_v1_VersionHistoryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  versionHistory(argument: _splitkey_v1_VersionHistoryRequest, callback: grpc.requestCallback<_splitkey_v1_VersionHistoryResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface PeerHandlers extends grpc.UntypedServiceImplementation {
  ConfirmComplaint: grpc.handleUnaryCall<_splitkey_v1_ConfirmComplaintRequest__Output, _splitkey_v1_ConfirmComplaintResponse>;
  
  DeliverShare: grpc.handleUnaryCall<_splitkey_v1_DeliverShareRequest__Output, _splitkey_v1_DeliverShareResponse>;
  
  Hello: grpc.handleUnaryCall<_splitkey_v1_HelloRequest__Output, _splitkey_v1_HelloResponse>;
  
  SessionState: grpc.handleUnaryCall<_splitkey_v1_SessionStateRequest__Output, _splitkey_v1_SessionStateResponse>;
  
  VersionHistory: grpc.handleUnaryCall<_splitkey_v1_VersionHistoryRequest__Output, _splitkey_v1_VersionHistoryResponse>;
  
}

export interface PeerDefinition extends grpc.ServiceDefinition {
  ConfirmComplaint: MethodDefinition<_splitkey_v1_ConfirmComplaintRequest, _splitkey_v1_ConfirmComplaintResponse, _splitkey_v1_ConfirmComplaintRequest__Output, _splitkey_v1_ConfirmComplaintResponse__Output>
  DeliverShare: MethodDefinition<_splitkey_v1_DeliverShareRequest, _splitkey_v1_DeliverShareResponse, _splitkey_v1_DeliverShareRequest__Output, _splitkey_v1_DeliverShareResponse__Output>
  Hello: MethodDefinition<_splitkey_v1_HelloRequest, _splitkey_v1_HelloResponse, _splitkey_v1_HelloRequest__Output, _splitkey_v1_HelloResponse__Output>
  SessionState: MethodDefinition<_splitkey_v1_SessionStateRequest, _splitkey_v1_SessionStateResponse, _splitkey_v1_SessionStateRequest__Output, _splitkey_v1_SessionStateResponse__Output>
  VersionHistory: MethodDefinition<_splitkey_v1_VersionHistoryRequest, _splitkey_v1_VersionHistoryResponse, _splitkey_v1_VersionHistoryRequest__Output, _splitkey_v1_VersionHistoryResponse__Output>
}
