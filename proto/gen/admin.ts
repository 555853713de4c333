import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AbortOperationRequest as _splitkey_v1_AbortOperationRequest, AbortOperationRequest__Output as _splitkey_v1_AbortOperationRequest__Output } from './splitkey/v1/AbortOperationRequest.js';
import type { AbortOperationResponse as _splitkey_v1_AbortOperationResponse, AbortOperationResponse__Output as _splitkey_v1_AbortOperationResponse__Output } from './splitkey/v1/AbortOperationResponse.js';
import type { AdminClient as _splitkey_v1_AdminClient, AdminDefinition as _splitkey_v1_AdminDefinition } from './splitkey/v1/Admin.js';
import type { CanaryEvaluateRequest as _splitkey_v1_CanaryEvaluateRequest, CanaryEvaluateRequest__Output as _splitkey_v1_CanaryEvaluateRequest__Output } from './splitkey/v1/CanaryEvaluateRequest.js';
import type { CanaryEvaluateResponse as _splitkey_v1_CanaryEvaluateResponse, CanaryEvaluateResponse__Output as _splitkey_v1_CanaryEvaluateResponse__Output } from './splitkey/v1/CanaryEvaluateResponse.js';
import type { CommitOperationRequest as _splitkey_v1_CommitOperationRequest, CommitOperationRequest__Output as _splitkey_v1_CommitOperationRequest__Output } from './splitkey/v1/CommitOperationRequest.js';
import type { CommitOperationResponse as _splitkey_v1_CommitOperationResponse, CommitOperationResponse__Output as _splitkey_v1_CommitOperationResponse__Output } from './splitkey/v1/CommitOperationResponse.js';
import type { Complaint as _splitkey_v1_Complaint, Complaint__Output as _splitkey_v1_Complaint__Output } from './splitkey/v1/Complaint.js';
import type { DealSharesRequest as _splitkey_v1_DealSharesRequest, DealSharesRequest__Output as _splitkey_v1_DealSharesRequest__Output } from './splitkey/v1/DealSharesRequest.js';
import type { DealSharesResponse as _splitkey_v1_DealSharesResponse, DealSharesResponse__Output as _splitkey_v1_DealSharesResponse__Output } from './splitkey/v1/DealSharesResponse.js';
import type { DealerDigest as _splitkey_v1_DealerDigest, DealerDigest__Output as _splitkey_v1_DealerDigest__Output } from './splitkey/v1/DealerDigest.js';
import type { DestroyVersionRequest as _splitkey_v1_DestroyVersionRequest, DestroyVersionRequest__Output as _splitkey_v1_DestroyVersionRequest__Output } from './splitkey/v1/DestroyVersionRequest.js';
import type { DestroyVersionResponse as _splitkey_v1_DestroyVersionResponse, DestroyVersionResponse__Output as _splitkey_v1_DestroyVersionResponse__Output } from './splitkey/v1/DestroyVersionResponse.js';
import type { FinalizeOperationRequest as _splitkey_v1_FinalizeOperationRequest, FinalizeOperationRequest__Output as _splitkey_v1_FinalizeOperationRequest__Output } from './splitkey/v1/FinalizeOperationRequest.js';
import type { FinalizeOperationResponse as _splitkey_v1_FinalizeOperationResponse, FinalizeOperationResponse__Output as _splitkey_v1_FinalizeOperationResponse__Output } from './splitkey/v1/FinalizeOperationResponse.js';
import type { ImportShareRequest as _splitkey_v1_ImportShareRequest, ImportShareRequest__Output as _splitkey_v1_ImportShareRequest__Output } from './splitkey/v1/ImportShareRequest.js';
import type { ImportShareResponse as _splitkey_v1_ImportShareResponse, ImportShareResponse__Output as _splitkey_v1_ImportShareResponse__Output } from './splitkey/v1/ImportShareResponse.js';
import type { KeyInfo as _splitkey_v1_KeyInfo, KeyInfo__Output as _splitkey_v1_KeyInfo__Output } from './splitkey/v1/KeyInfo.js';
import type { KeyStatusRequest as _splitkey_v1_KeyStatusRequest, KeyStatusRequest__Output as _splitkey_v1_KeyStatusRequest__Output } from './splitkey/v1/KeyStatusRequest.js';
import type { KeyStatusResponse as _splitkey_v1_KeyStatusResponse, KeyStatusResponse__Output as _splitkey_v1_KeyStatusResponse__Output } from './splitkey/v1/KeyStatusResponse.js';
import type { KeySummary as _splitkey_v1_KeySummary, KeySummary__Output as _splitkey_v1_KeySummary__Output } from './splitkey/v1/KeySummary.js';
import type { KeyVersionInfo as _splitkey_v1_KeyVersionInfo, KeyVersionInfo__Output as _splitkey_v1_KeyVersionInfo__Output } from './splitkey/v1/KeyVersionInfo.js';
import type { ListKeysRequest as _splitkey_v1_ListKeysRequest, ListKeysRequest__Output as _splitkey_v1_ListKeysRequest__Output } from './splitkey/v1/ListKeysRequest.js';
import type { ListKeysResponse as _splitkey_v1_ListKeysResponse, ListKeysResponse__Output as _splitkey_v1_ListKeysResponse__Output } from './splitkey/v1/ListKeysResponse.js';
import type { NodePublicShare as _splitkey_v1_NodePublicShare, NodePublicShare__Output as _splitkey_v1_NodePublicShare__Output } from './splitkey/v1/NodePublicShare.js';
import type { NodeStatusRequest as _splitkey_v1_NodeStatusRequest, NodeStatusRequest__Output as _splitkey_v1_NodeStatusRequest__Output } from './splitkey/v1/NodeStatusRequest.js';
import type { NodeStatusResponse as _splitkey_v1_NodeStatusResponse, NodeStatusResponse__Output as _splitkey_v1_NodeStatusResponse__Output } from './splitkey/v1/NodeStatusResponse.js';
import type { OperationParams as _splitkey_v1_OperationParams, OperationParams__Output as _splitkey_v1_OperationParams__Output } from './splitkey/v1/OperationParams.js';
import type { OperationStatusRequest as _splitkey_v1_OperationStatusRequest, OperationStatusRequest__Output as _splitkey_v1_OperationStatusRequest__Output } from './splitkey/v1/OperationStatusRequest.js';
import type { OperationStatusResponse as _splitkey_v1_OperationStatusResponse, OperationStatusResponse__Output as _splitkey_v1_OperationStatusResponse__Output } from './splitkey/v1/OperationStatusResponse.js';
import type { PrepareOperationRequest as _splitkey_v1_PrepareOperationRequest, PrepareOperationRequest__Output as _splitkey_v1_PrepareOperationRequest__Output } from './splitkey/v1/PrepareOperationRequest.js';
import type { PrepareOperationResponse as _splitkey_v1_PrepareOperationResponse, PrepareOperationResponse__Output as _splitkey_v1_PrepareOperationResponse__Output } from './splitkey/v1/PrepareOperationResponse.js';
import type { QuorumUniverse as _splitkey_v1_QuorumUniverse, QuorumUniverse__Output as _splitkey_v1_QuorumUniverse__Output } from './splitkey/v1/QuorumUniverse.js';
import type { RedeliverShareRequest as _splitkey_v1_RedeliverShareRequest, RedeliverShareRequest__Output as _splitkey_v1_RedeliverShareRequest__Output } from './splitkey/v1/RedeliverShareRequest.js';
import type { RedeliverShareResponse as _splitkey_v1_RedeliverShareResponse, RedeliverShareResponse__Output as _splitkey_v1_RedeliverShareResponse__Output } from './splitkey/v1/RedeliverShareResponse.js';
import type { SignedDestroyOrder as _splitkey_v1_SignedDestroyOrder, SignedDestroyOrder__Output as _splitkey_v1_SignedDestroyOrder__Output } from './splitkey/v1/SignedDestroyOrder.js';
import type { VersionHealth as _splitkey_v1_VersionHealth, VersionHealth__Output as _splitkey_v1_VersionHealth__Output } from './splitkey/v1/VersionHealth.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  splitkey: {
    v1: {
      AbortOperationRequest: MessageTypeDefinition<_splitkey_v1_AbortOperationRequest, _splitkey_v1_AbortOperationRequest__Output>
      AbortOperationResponse: MessageTypeDefinition<_splitkey_v1_AbortOperationResponse, _splitkey_v1_AbortOperationResponse__Output>
      Admin: SubtypeConstructor<typeof grpc.Client, _splitkey_v1_AdminClient> & { service: _splitkey_v1_AdminDefinition }
      CanaryEvaluateRequest: MessageTypeDefinition<_splitkey_v1_CanaryEvaluateRequest, _splitkey_v1_CanaryEvaluateRequest__Output>
      CanaryEvaluateResponse: MessageTypeDefinition<_splitkey_v1_CanaryEvaluateResponse, _splitkey_v1_CanaryEvaluateResponse__Output>
      CommitOperationRequest: MessageTypeDefinition<_splitkey_v1_CommitOperationRequest, _splitkey_v1_CommitOperationRequest__Output>
      CommitOperationResponse: MessageTypeDefinition<_splitkey_v1_CommitOperationResponse, _splitkey_v1_CommitOperationResponse__Output>
      Complaint: MessageTypeDefinition<_splitkey_v1_Complaint, _splitkey_v1_Complaint__Output>
      DealSharesRequest: MessageTypeDefinition<_splitkey_v1_DealSharesRequest, _splitkey_v1_DealSharesRequest__Output>
      DealSharesResponse: MessageTypeDefinition<_splitkey_v1_DealSharesResponse, _splitkey_v1_DealSharesResponse__Output>
      DealerDigest: MessageTypeDefinition<_splitkey_v1_DealerDigest, _splitkey_v1_DealerDigest__Output>
      DestroyVersionRequest: MessageTypeDefinition<_splitkey_v1_DestroyVersionRequest, _splitkey_v1_DestroyVersionRequest__Output>
      DestroyVersionResponse: MessageTypeDefinition<_splitkey_v1_DestroyVersionResponse, _splitkey_v1_DestroyVersionResponse__Output>
      FinalizeOperationRequest: MessageTypeDefinition<_splitkey_v1_FinalizeOperationRequest, _splitkey_v1_FinalizeOperationRequest__Output>
      FinalizeOperationResponse: MessageTypeDefinition<_splitkey_v1_FinalizeOperationResponse, _splitkey_v1_FinalizeOperationResponse__Output>
      ImportShareRequest: MessageTypeDefinition<_splitkey_v1_ImportShareRequest, _splitkey_v1_ImportShareRequest__Output>
      ImportShareResponse: MessageTypeDefinition<_splitkey_v1_ImportShareResponse, _splitkey_v1_ImportShareResponse__Output>
      KeyInfo: MessageTypeDefinition<_splitkey_v1_KeyInfo, _splitkey_v1_KeyInfo__Output>
      KeyState: EnumTypeDefinition
      KeyStatusRequest: MessageTypeDefinition<_splitkey_v1_KeyStatusRequest, _splitkey_v1_KeyStatusRequest__Output>
      KeyStatusResponse: MessageTypeDefinition<_splitkey_v1_KeyStatusResponse, _splitkey_v1_KeyStatusResponse__Output>
      KeySummary: MessageTypeDefinition<_splitkey_v1_KeySummary, _splitkey_v1_KeySummary__Output>
      KeyVersionInfo: MessageTypeDefinition<_splitkey_v1_KeyVersionInfo, _splitkey_v1_KeyVersionInfo__Output>
      ListKeysRequest: MessageTypeDefinition<_splitkey_v1_ListKeysRequest, _splitkey_v1_ListKeysRequest__Output>
      ListKeysResponse: MessageTypeDefinition<_splitkey_v1_ListKeysResponse, _splitkey_v1_ListKeysResponse__Output>
      NodePublicShare: MessageTypeDefinition<_splitkey_v1_NodePublicShare, _splitkey_v1_NodePublicShare__Output>
      NodeStatusRequest: MessageTypeDefinition<_splitkey_v1_NodeStatusRequest, _splitkey_v1_NodeStatusRequest__Output>
      NodeStatusResponse: MessageTypeDefinition<_splitkey_v1_NodeStatusResponse, _splitkey_v1_NodeStatusResponse__Output>
      OperationParams: MessageTypeDefinition<_splitkey_v1_OperationParams, _splitkey_v1_OperationParams__Output>
      OperationStatusRequest: MessageTypeDefinition<_splitkey_v1_OperationStatusRequest, _splitkey_v1_OperationStatusRequest__Output>
      OperationStatusResponse: MessageTypeDefinition<_splitkey_v1_OperationStatusResponse, _splitkey_v1_OperationStatusResponse__Output>
      PrepareOperationRequest: MessageTypeDefinition<_splitkey_v1_PrepareOperationRequest, _splitkey_v1_PrepareOperationRequest__Output>
      PrepareOperationResponse: MessageTypeDefinition<_splitkey_v1_PrepareOperationResponse, _splitkey_v1_PrepareOperationResponse__Output>
      QuorumUniverse: MessageTypeDefinition<_splitkey_v1_QuorumUniverse, _splitkey_v1_QuorumUniverse__Output>
      RedeliverShareRequest: MessageTypeDefinition<_splitkey_v1_RedeliverShareRequest, _splitkey_v1_RedeliverShareRequest__Output>
      RedeliverShareResponse: MessageTypeDefinition<_splitkey_v1_RedeliverShareResponse, _splitkey_v1_RedeliverShareResponse__Output>
      SignedDestroyOrder: MessageTypeDefinition<_splitkey_v1_SignedDestroyOrder, _splitkey_v1_SignedDestroyOrder__Output>
      VersionHealth: MessageTypeDefinition<_splitkey_v1_VersionHealth, _splitkey_v1_VersionHealth__Output>
    }
  }
}

