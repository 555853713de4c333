import type * as grpc from '@grpc/grpc-js';
import type { EnumTypeDefinition, MessageTypeDefinition } from '@grpc/proto-loader';

import type { AdminClient as _splitkey_v1_AdminClient, AdminDefinition as _splitkey_v1_AdminDefinition } from './splitkey/v1/Admin.js';
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
import type { VersionHealth as _splitkey_v1_VersionHealth, VersionHealth__Output as _splitkey_v1_VersionHealth__Output } from './splitkey/v1/VersionHealth.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  splitkey: {
    v1: {
      Admin: SubtypeConstructor<typeof grpc.Client, _splitkey_v1_AdminClient> & { service: _splitkey_v1_AdminDefinition }
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
      VersionHealth: MessageTypeDefinition<_splitkey_v1_VersionHealth, _splitkey_v1_VersionHealth__Output>
    }
  }
}

