// Original file: proto/splitkey/v1/admin.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { AbortOperationRequest as _splitkey_v1_AbortOperationRequest, AbortOperationRequest__Output as _splitkey_v1_AbortOperationRequest__Output } from '../../splitkey/v1/AbortOperationRequest.js';
import type { AbortOperationResponse as _splitkey_v1_AbortOperationResponse, AbortOperationResponse__Output as _splitkey_v1_AbortOperationResponse__Output } from '../../splitkey/v1/AbortOperationResponse.js';
import type { CanaryEvaluateRequest as _splitkey_v1_CanaryEvaluateRequest, CanaryEvaluateRequest__Output as _splitkey_v1_CanaryEvaluateRequest__Output } from '../../splitkey/v1/CanaryEvaluateRequest.js';
import type { CanaryEvaluateResponse as _splitkey_v1_CanaryEvaluateResponse, CanaryEvaluateResponse__Output as _splitkey_v1_CanaryEvaluateResponse__Output } from '../../splitkey/v1/CanaryEvaluateResponse.js';
import type { CommitOperationRequest as _splitkey_v1_CommitOperationRequest, CommitOperationRequest__Output as _splitkey_v1_CommitOperationRequest__Output } from '../../splitkey/v1/CommitOperationRequest.js';
import type { CommitOperationResponse as _splitkey_v1_CommitOperationResponse, CommitOperationResponse__Output as _splitkey_v1_CommitOperationResponse__Output } from '../../splitkey/v1/CommitOperationResponse.js';
import type { DealSharesRequest as _splitkey_v1_DealSharesRequest, DealSharesRequest__Output as _splitkey_v1_DealSharesRequest__Output } from '../../splitkey/v1/DealSharesRequest.js';
import type { DealSharesResponse as _splitkey_v1_DealSharesResponse, DealSharesResponse__Output as _splitkey_v1_DealSharesResponse__Output } from '../../splitkey/v1/DealSharesResponse.js';
import type { DestroyVersionRequest as _splitkey_v1_DestroyVersionRequest, DestroyVersionRequest__Output as _splitkey_v1_DestroyVersionRequest__Output } from '../../splitkey/v1/DestroyVersionRequest.js';
import type { DestroyVersionResponse as _splitkey_v1_DestroyVersionResponse, DestroyVersionResponse__Output as _splitkey_v1_DestroyVersionResponse__Output } from '../../splitkey/v1/DestroyVersionResponse.js';
import type { FinalizeOperationRequest as _splitkey_v1_FinalizeOperationRequest, FinalizeOperationRequest__Output as _splitkey_v1_FinalizeOperationRequest__Output } from '../../splitkey/v1/FinalizeOperationRequest.js';
import type { FinalizeOperationResponse as _splitkey_v1_FinalizeOperationResponse, FinalizeOperationResponse__Output as _splitkey_v1_FinalizeOperationResponse__Output } from '../../splitkey/v1/FinalizeOperationResponse.js';
import type { ImportShareRequest as _splitkey_v1_ImportShareRequest, ImportShareRequest__Output as _splitkey_v1_ImportShareRequest__Output } from '../../splitkey/v1/ImportShareRequest.js';
import type { ImportShareResponse as _splitkey_v1_ImportShareResponse, ImportShareResponse__Output as _splitkey_v1_ImportShareResponse__Output } from '../../splitkey/v1/ImportShareResponse.js';
import type { KeyStatusRequest as _splitkey_v1_KeyStatusRequest, KeyStatusRequest__Output as _splitkey_v1_KeyStatusRequest__Output } from '../../splitkey/v1/KeyStatusRequest.js';
import type { KeyStatusResponse as _splitkey_v1_KeyStatusResponse, KeyStatusResponse__Output as _splitkey_v1_KeyStatusResponse__Output } from '../../splitkey/v1/KeyStatusResponse.js';
import type { ListKeysRequest as _splitkey_v1_ListKeysRequest, ListKeysRequest__Output as _splitkey_v1_ListKeysRequest__Output } from '../../splitkey/v1/ListKeysRequest.js';
import type { ListKeysResponse as _splitkey_v1_ListKeysResponse, ListKeysResponse__Output as _splitkey_v1_ListKeysResponse__Output } from '../../splitkey/v1/ListKeysResponse.js';
import type { NodeStatusRequest as _splitkey_v1_NodeStatusRequest, NodeStatusRequest__Output as _splitkey_v1_NodeStatusRequest__Output } from '../../splitkey/v1/NodeStatusRequest.js';
import type { NodeStatusResponse as _splitkey_v1_NodeStatusResponse, NodeStatusResponse__Output as _splitkey_v1_NodeStatusResponse__Output } from '../../splitkey/v1/NodeStatusResponse.js';
import type { OperationStatusRequest as _splitkey_v1_OperationStatusRequest, OperationStatusRequest__Output as _splitkey_v1_OperationStatusRequest__Output } from '../../splitkey/v1/OperationStatusRequest.js';
import type { OperationStatusResponse as _splitkey_v1_OperationStatusResponse, OperationStatusResponse__Output as _splitkey_v1_OperationStatusResponse__Output } from '../../splitkey/v1/OperationStatusResponse.js';
import type { PrepareOperationRequest as _splitkey_v1_PrepareOperationRequest, PrepareOperationRequest__Output as _splitkey_v1_PrepareOperationRequest__Output } from '../../splitkey/v1/PrepareOperationRequest.js';
import type { PrepareOperationResponse as _splitkey_v1_PrepareOperationResponse, PrepareOperationResponse__Output as _splitkey_v1_PrepareOperationResponse__Output } from '../../splitkey/v1/PrepareOperationResponse.js';
import type { RedeliverShareRequest as _splitkey_v1_RedeliverShareRequest, RedeliverShareRequest__Output as _splitkey_v1_RedeliverShareRequest__Output } from '../../splitkey/v1/RedeliverShareRequest.js';
import type { RedeliverShareResponse as _splitkey_v1_RedeliverShareResponse, RedeliverShareResponse__Output as _splitkey_v1_RedeliverShareResponse__Output } from '../../splitkey/v1/RedeliverShareResponse.js';

export interface AdminClient extends grpc.Client {
  AbortOperation(argument: _splitkey_v1_AbortOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  AbortOperation(argument: _splitkey_v1_AbortOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  AbortOperation(argument: _splitkey_v1_AbortOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  AbortOperation(argument: _splitkey_v1_AbortOperationRequest, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  abortOperation(argument: _splitkey_v1_AbortOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  abortOperation(argument: _splitkey_v1_AbortOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  abortOperation(argument: _splitkey_v1_AbortOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  abortOperation(argument: _splitkey_v1_AbortOperationRequest, callback: grpc.requestCallback<_splitkey_v1_AbortOperationResponse__Output>): grpc.ClientUnaryCall;
  
  CanaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  CanaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  CanaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  CanaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  canaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  canaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  canaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  canaryEvaluate(argument: _splitkey_v1_CanaryEvaluateRequest, callback: grpc.requestCallback<_splitkey_v1_CanaryEvaluateResponse__Output>): grpc.ClientUnaryCall;
  
  CommitOperation(argument: _splitkey_v1_CommitOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  CommitOperation(argument: _splitkey_v1_CommitOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  CommitOperation(argument: _splitkey_v1_CommitOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  CommitOperation(argument: _splitkey_v1_CommitOperationRequest, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  commitOperation(argument: _splitkey_v1_CommitOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  commitOperation(argument: _splitkey_v1_CommitOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  commitOperation(argument: _splitkey_v1_CommitOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  commitOperation(argument: _splitkey_v1_CommitOperationRequest, callback: grpc.requestCallback<_splitkey_v1_CommitOperationResponse__Output>): grpc.ClientUnaryCall;
  
  DealShares(argument: _splitkey_v1_DealSharesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  DealShares(argument: _splitkey_v1_DealSharesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  DealShares(argument: _splitkey_v1_DealSharesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  DealShares(argument: _splitkey_v1_DealSharesRequest, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  dealShares(argument: _splitkey_v1_DealSharesRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  dealShares(argument: _splitkey_v1_DealSharesRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  dealShares(argument: _splitkey_v1_DealSharesRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  dealShares(argument: _splitkey_v1_DealSharesRequest, callback: grpc.requestCallback<_splitkey_v1_DealSharesResponse__Output>): grpc.ClientUnaryCall;
  
  DestroyVersion(argument: _splitkey_v1_DestroyVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  DestroyVersion(argument: _splitkey_v1_DestroyVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  DestroyVersion(argument: _splitkey_v1_DestroyVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  DestroyVersion(argument: _splitkey_v1_DestroyVersionRequest, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  destroyVersion(argument: _splitkey_v1_DestroyVersionRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  destroyVersion(argument: _splitkey_v1_DestroyVersionRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  destroyVersion(argument: _splitkey_v1_DestroyVersionRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  destroyVersion(argument: _splitkey_v1_DestroyVersionRequest, callback: grpc.requestCallback<_splitkey_v1_DestroyVersionResponse__Output>): grpc.ClientUnaryCall;
  
  FinalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  FinalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  FinalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  FinalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  finalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  finalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  finalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  finalizeOperation(argument: _splitkey_v1_FinalizeOperationRequest, callback: grpc.requestCallback<_splitkey_v1_FinalizeOperationResponse__Output>): grpc.ClientUnaryCall;
  
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
  
  OperationStatus(argument: _splitkey_v1_OperationStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  OperationStatus(argument: _splitkey_v1_OperationStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  OperationStatus(argument: _splitkey_v1_OperationStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  OperationStatus(argument: _splitkey_v1_OperationStatusRequest, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  operationStatus(argument: _splitkey_v1_OperationStatusRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  operationStatus(argument: _splitkey_v1_OperationStatusRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  operationStatus(argument: _splitkey_v1_OperationStatusRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  operationStatus(argument: _splitkey_v1_OperationStatusRequest, callback: grpc.requestCallback<_splitkey_v1_OperationStatusResponse__Output>): grpc.ClientUnaryCall;
  
  PrepareOperation(argument: _splitkey_v1_PrepareOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  PrepareOperation(argument: _splitkey_v1_PrepareOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  PrepareOperation(argument: _splitkey_v1_PrepareOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  PrepareOperation(argument: _splitkey_v1_PrepareOperationRequest, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  prepareOperation(argument: _splitkey_v1_PrepareOperationRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  prepareOperation(argument: _splitkey_v1_PrepareOperationRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  prepareOperation(argument: _splitkey_v1_PrepareOperationRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  prepareOperation(argument: _splitkey_v1_PrepareOperationRequest, callback: grpc.requestCallback<_splitkey_v1_PrepareOperationResponse__Output>): grpc.ClientUnaryCall;
  
  RedeliverShare(argument: _splitkey_v1_RedeliverShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  RedeliverShare(argument: _splitkey_v1_RedeliverShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  RedeliverShare(argument: _splitkey_v1_RedeliverShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  RedeliverShare(argument: _splitkey_v1_RedeliverShareRequest, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  redeliverShare(argument: _splitkey_v1_RedeliverShareRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  redeliverShare(argument: _splitkey_v1_RedeliverShareRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  redeliverShare(argument: _splitkey_v1_RedeliverShareRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  redeliverShare(argument: _splitkey_v1_RedeliverShareRequest, callback: grpc.requestCallback<_splitkey_v1_RedeliverShareResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface AdminHandlers extends grpc.UntypedServiceImplementation {
  AbortOperation: grpc.handleUnaryCall<_splitkey_v1_AbortOperationRequest__Output, _splitkey_v1_AbortOperationResponse>;
  
  CanaryEvaluate: grpc.handleUnaryCall<_splitkey_v1_CanaryEvaluateRequest__Output, _splitkey_v1_CanaryEvaluateResponse>;
  
  CommitOperation: grpc.handleUnaryCall<_splitkey_v1_CommitOperationRequest__Output, _splitkey_v1_CommitOperationResponse>;
  
  DealShares: grpc.handleUnaryCall<_splitkey_v1_DealSharesRequest__Output, _splitkey_v1_DealSharesResponse>;
  
  DestroyVersion: grpc.handleUnaryCall<_splitkey_v1_DestroyVersionRequest__Output, _splitkey_v1_DestroyVersionResponse>;
  
  FinalizeOperation: grpc.handleUnaryCall<_splitkey_v1_FinalizeOperationRequest__Output, _splitkey_v1_FinalizeOperationResponse>;
  
  ImportShare: grpc.handleUnaryCall<_splitkey_v1_ImportShareRequest__Output, _splitkey_v1_ImportShareResponse>;
  
  KeyStatus: grpc.handleUnaryCall<_splitkey_v1_KeyStatusRequest__Output, _splitkey_v1_KeyStatusResponse>;
  
  ListKeys: grpc.handleUnaryCall<_splitkey_v1_ListKeysRequest__Output, _splitkey_v1_ListKeysResponse>;
  
  NodeStatus: grpc.handleUnaryCall<_splitkey_v1_NodeStatusRequest__Output, _splitkey_v1_NodeStatusResponse>;
  
  OperationStatus: grpc.handleUnaryCall<_splitkey_v1_OperationStatusRequest__Output, _splitkey_v1_OperationStatusResponse>;
  
  PrepareOperation: grpc.handleUnaryCall<_splitkey_v1_PrepareOperationRequest__Output, _splitkey_v1_PrepareOperationResponse>;
  
  RedeliverShare: grpc.handleUnaryCall<_splitkey_v1_RedeliverShareRequest__Output, _splitkey_v1_RedeliverShareResponse>;
  
}

export interface AdminDefinition extends grpc.ServiceDefinition {
  AbortOperation: MethodDefinition<_splitkey_v1_AbortOperationRequest, _splitkey_v1_AbortOperationResponse, _splitkey_v1_AbortOperationRequest__Output, _splitkey_v1_AbortOperationResponse__Output>
  CanaryEvaluate: MethodDefinition<_splitkey_v1_CanaryEvaluateRequest, _splitkey_v1_CanaryEvaluateResponse, _splitkey_v1_CanaryEvaluateRequest__Output, _splitkey_v1_CanaryEvaluateResponse__Output>
  CommitOperation: MethodDefinition<_splitkey_v1_CommitOperationRequest, _splitkey_v1_CommitOperationResponse, _splitkey_v1_CommitOperationRequest__Output, _splitkey_v1_CommitOperationResponse__Output>
  DealShares: MethodDefinition<_splitkey_v1_DealSharesRequest, _splitkey_v1_DealSharesResponse, _splitkey_v1_DealSharesRequest__Output, _splitkey_v1_DealSharesResponse__Output>
  DestroyVersion: MethodDefinition<_splitkey_v1_DestroyVersionRequest, _splitkey_v1_DestroyVersionResponse, _splitkey_v1_DestroyVersionRequest__Output, _splitkey_v1_DestroyVersionResponse__Output>
  FinalizeOperation: MethodDefinition<_splitkey_v1_FinalizeOperationRequest, _splitkey_v1_FinalizeOperationResponse, _splitkey_v1_FinalizeOperationRequest__Output, _splitkey_v1_FinalizeOperationResponse__Output>
  ImportShare: MethodDefinition<_splitkey_v1_ImportShareRequest, _splitkey_v1_ImportShareResponse, _splitkey_v1_ImportShareRequest__Output, _splitkey_v1_ImportShareResponse__Output>
  KeyStatus: MethodDefinition<_splitkey_v1_KeyStatusRequest, _splitkey_v1_KeyStatusResponse, _splitkey_v1_KeyStatusRequest__Output, _splitkey_v1_KeyStatusResponse__Output>
  ListKeys: MethodDefinition<_splitkey_v1_ListKeysRequest, _splitkey_v1_ListKeysResponse, _splitkey_v1_ListKeysRequest__Output, _splitkey_v1_ListKeysResponse__Output>
  NodeStatus: MethodDefinition<_splitkey_v1_NodeStatusRequest, _splitkey_v1_NodeStatusResponse, _splitkey_v1_NodeStatusRequest__Output, _splitkey_v1_NodeStatusResponse__Output>
  OperationStatus: MethodDefinition<_splitkey_v1_OperationStatusRequest, _splitkey_v1_OperationStatusResponse, _splitkey_v1_OperationStatusRequest__Output, _splitkey_v1_OperationStatusResponse__Output>
  PrepareOperation: MethodDefinition<_splitkey_v1_PrepareOperationRequest, _splitkey_v1_PrepareOperationResponse, _splitkey_v1_PrepareOperationRequest__Output, _splitkey_v1_PrepareOperationResponse__Output>
  RedeliverShare: MethodDefinition<_splitkey_v1_RedeliverShareRequest, _splitkey_v1_RedeliverShareResponse, _splitkey_v1_RedeliverShareRequest__Output, _splitkey_v1_RedeliverShareResponse__Output>
}
