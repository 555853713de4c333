import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { ConfirmComplaintRequest as _splitkey_v1_ConfirmComplaintRequest, ConfirmComplaintRequest__Output as _splitkey_v1_ConfirmComplaintRequest__Output } from './splitkey/v1/ConfirmComplaintRequest.js';
import type { ConfirmComplaintResponse as _splitkey_v1_ConfirmComplaintResponse, ConfirmComplaintResponse__Output as _splitkey_v1_ConfirmComplaintResponse__Output } from './splitkey/v1/ConfirmComplaintResponse.js';
import type { DeliverShareRequest as _splitkey_v1_DeliverShareRequest, DeliverShareRequest__Output as _splitkey_v1_DeliverShareRequest__Output } from './splitkey/v1/DeliverShareRequest.js';
import type { DeliverShareResponse as _splitkey_v1_DeliverShareResponse, DeliverShareResponse__Output as _splitkey_v1_DeliverShareResponse__Output } from './splitkey/v1/DeliverShareResponse.js';
import type { HelloRequest as _splitkey_v1_HelloRequest, HelloRequest__Output as _splitkey_v1_HelloRequest__Output } from './splitkey/v1/HelloRequest.js';
import type { HelloResponse as _splitkey_v1_HelloResponse, HelloResponse__Output as _splitkey_v1_HelloResponse__Output } from './splitkey/v1/HelloResponse.js';
import type { KeyInfo as _splitkey_v1_KeyInfo, KeyInfo__Output as _splitkey_v1_KeyInfo__Output } from './splitkey/v1/KeyInfo.js';
import type { KeyVersionInfo as _splitkey_v1_KeyVersionInfo, KeyVersionInfo__Output as _splitkey_v1_KeyVersionInfo__Output } from './splitkey/v1/KeyVersionInfo.js';
import type { NodePublicShare as _splitkey_v1_NodePublicShare, NodePublicShare__Output as _splitkey_v1_NodePublicShare__Output } from './splitkey/v1/NodePublicShare.js';
import type { PeerClient as _splitkey_v1_PeerClient, PeerDefinition as _splitkey_v1_PeerDefinition } from './splitkey/v1/Peer.js';
import type { SessionStateRequest as _splitkey_v1_SessionStateRequest, SessionStateRequest__Output as _splitkey_v1_SessionStateRequest__Output } from './splitkey/v1/SessionStateRequest.js';
import type { SessionStateResponse as _splitkey_v1_SessionStateResponse, SessionStateResponse__Output as _splitkey_v1_SessionStateResponse__Output } from './splitkey/v1/SessionStateResponse.js';
import type { SignedDestroyOrder as _splitkey_v1_SignedDestroyOrder, SignedDestroyOrder__Output as _splitkey_v1_SignedDestroyOrder__Output } from './splitkey/v1/SignedDestroyOrder.js';
import type { VersionHistoryRequest as _splitkey_v1_VersionHistoryRequest, VersionHistoryRequest__Output as _splitkey_v1_VersionHistoryRequest__Output } from './splitkey/v1/VersionHistoryRequest.js';
import type { VersionHistoryResponse as _splitkey_v1_VersionHistoryResponse, VersionHistoryResponse__Output as _splitkey_v1_VersionHistoryResponse__Output } from './splitkey/v1/VersionHistoryResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  splitkey: {
    v1: {
      ConfirmComplaintRequest: MessageTypeDefinition<_splitkey_v1_ConfirmComplaintRequest, _splitkey_v1_ConfirmComplaintRequest__Output>
      ConfirmComplaintResponse: MessageTypeDefinition<_splitkey_v1_ConfirmComplaintResponse, _splitkey_v1_ConfirmComplaintResponse__Output>
      DeliverShareRequest: MessageTypeDefinition<_splitkey_v1_DeliverShareRequest, _splitkey_v1_DeliverShareRequest__Output>
      DeliverShareResponse: MessageTypeDefinition<_splitkey_v1_DeliverShareResponse, _splitkey_v1_DeliverShareResponse__Output>
      HelloRequest: MessageTypeDefinition<_splitkey_v1_HelloRequest, _splitkey_v1_HelloRequest__Output>
      HelloResponse: MessageTypeDefinition<_splitkey_v1_HelloResponse, _splitkey_v1_HelloResponse__Output>
      KeyInfo: MessageTypeDefinition<_splitkey_v1_KeyInfo, _splitkey_v1_KeyInfo__Output>
      KeyState: EnumTypeDefinition
      KeyVersionInfo: MessageTypeDefinition<_splitkey_v1_KeyVersionInfo, _splitkey_v1_KeyVersionInfo__Output>
      NodePublicShare: MessageTypeDefinition<_splitkey_v1_NodePublicShare, _splitkey_v1_NodePublicShare__Output>
      Peer: SubtypeConstructor<typeof grpc.Client, _splitkey_v1_PeerClient> & { service: _splitkey_v1_PeerDefinition }
      SessionStateRequest: MessageTypeDefinition<_splitkey_v1_SessionStateRequest, _splitkey_v1_SessionStateRequest__Output>
      SessionStateResponse: MessageTypeDefinition<_splitkey_v1_SessionStateResponse, _splitkey_v1_SessionStateResponse__Output>
      SignedDestroyOrder: MessageTypeDefinition<_splitkey_v1_SignedDestroyOrder, _splitkey_v1_SignedDestroyOrder__Output>
      VersionHistoryRequest: MessageTypeDefinition<_splitkey_v1_VersionHistoryRequest, _splitkey_v1_VersionHistoryRequest__Output>
      VersionHistoryResponse: MessageTypeDefinition<_splitkey_v1_VersionHistoryResponse, _splitkey_v1_VersionHistoryResponse__Output>
    }
  }
}

