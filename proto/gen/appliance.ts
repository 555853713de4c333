import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { ApplianceClient as _splitkey_v1_ApplianceClient, ApplianceDefinition as _splitkey_v1_ApplianceDefinition } from './splitkey/v1/Appliance.js';
import type { DecryptRequest as _splitkey_v1_DecryptRequest, DecryptRequest__Output as _splitkey_v1_DecryptRequest__Output } from './splitkey/v1/DecryptRequest.js';
import type { DecryptResponse as _splitkey_v1_DecryptResponse, DecryptResponse__Output as _splitkey_v1_DecryptResponse__Output } from './splitkey/v1/DecryptResponse.js';
import type { DeriveKeyRequest as _splitkey_v1_DeriveKeyRequest, DeriveKeyRequest__Output as _splitkey_v1_DeriveKeyRequest__Output } from './splitkey/v1/DeriveKeyRequest.js';
import type { DeriveKeyResponse as _splitkey_v1_DeriveKeyResponse, DeriveKeyResponse__Output as _splitkey_v1_DeriveKeyResponse__Output } from './splitkey/v1/DeriveKeyResponse.js';
import type { DeriveKeysRequest as _splitkey_v1_DeriveKeysRequest, DeriveKeysRequest__Output as _splitkey_v1_DeriveKeysRequest__Output } from './splitkey/v1/DeriveKeysRequest.js';
import type { DeriveKeysResponse as _splitkey_v1_DeriveKeysResponse, DeriveKeysResponse__Output as _splitkey_v1_DeriveKeysResponse__Output } from './splitkey/v1/DeriveKeysResponse.js';
import type { EncryptRequest as _splitkey_v1_EncryptRequest, EncryptRequest__Output as _splitkey_v1_EncryptRequest__Output } from './splitkey/v1/EncryptRequest.js';
import type { EncryptResponse as _splitkey_v1_EncryptResponse, EncryptResponse__Output as _splitkey_v1_EncryptResponse__Output } from './splitkey/v1/EncryptResponse.js';
import type { GenerateDataKeyRequest as _splitkey_v1_GenerateDataKeyRequest, GenerateDataKeyRequest__Output as _splitkey_v1_GenerateDataKeyRequest__Output } from './splitkey/v1/GenerateDataKeyRequest.js';
import type { GenerateDataKeyResponse as _splitkey_v1_GenerateDataKeyResponse, GenerateDataKeyResponse__Output as _splitkey_v1_GenerateDataKeyResponse__Output } from './splitkey/v1/GenerateDataKeyResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  splitkey: {
    v1: {
      Appliance: SubtypeConstructor<typeof grpc.Client, _splitkey_v1_ApplianceClient> & { service: _splitkey_v1_ApplianceDefinition }
      DecryptRequest: MessageTypeDefinition<_splitkey_v1_DecryptRequest, _splitkey_v1_DecryptRequest__Output>
      DecryptResponse: MessageTypeDefinition<_splitkey_v1_DecryptResponse, _splitkey_v1_DecryptResponse__Output>
      DeriveKeyRequest: MessageTypeDefinition<_splitkey_v1_DeriveKeyRequest, _splitkey_v1_DeriveKeyRequest__Output>
      DeriveKeyResponse: MessageTypeDefinition<_splitkey_v1_DeriveKeyResponse, _splitkey_v1_DeriveKeyResponse__Output>
      DeriveKeysRequest: MessageTypeDefinition<_splitkey_v1_DeriveKeysRequest, _splitkey_v1_DeriveKeysRequest__Output>
      DeriveKeysResponse: MessageTypeDefinition<_splitkey_v1_DeriveKeysResponse, _splitkey_v1_DeriveKeysResponse__Output>
      EncryptRequest: MessageTypeDefinition<_splitkey_v1_EncryptRequest, _splitkey_v1_EncryptRequest__Output>
      EncryptResponse: MessageTypeDefinition<_splitkey_v1_EncryptResponse, _splitkey_v1_EncryptResponse__Output>
      GenerateDataKeyRequest: MessageTypeDefinition<_splitkey_v1_GenerateDataKeyRequest, _splitkey_v1_GenerateDataKeyRequest__Output>
      GenerateDataKeyResponse: MessageTypeDefinition<_splitkey_v1_GenerateDataKeyResponse, _splitkey_v1_GenerateDataKeyResponse__Output>
    }
  }
}

