// Original file: proto/splitkey/v1/appliance.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DecryptRequest as _splitkey_v1_DecryptRequest, DecryptRequest__Output as _splitkey_v1_DecryptRequest__Output } from '../../splitkey/v1/DecryptRequest.js';
import type { DecryptResponse as _splitkey_v1_DecryptResponse, DecryptResponse__Output as _splitkey_v1_DecryptResponse__Output } from '../../splitkey/v1/DecryptResponse.js';
import type { DeriveKeyRequest as _splitkey_v1_DeriveKeyRequest, DeriveKeyRequest__Output as _splitkey_v1_DeriveKeyRequest__Output } from '../../splitkey/v1/DeriveKeyRequest.js';
import type { DeriveKeyResponse as _splitkey_v1_DeriveKeyResponse, DeriveKeyResponse__Output as _splitkey_v1_DeriveKeyResponse__Output } from '../../splitkey/v1/DeriveKeyResponse.js';
import type { DeriveKeysRequest as _splitkey_v1_DeriveKeysRequest, DeriveKeysRequest__Output as _splitkey_v1_DeriveKeysRequest__Output } from '../../splitkey/v1/DeriveKeysRequest.js';
import type { DeriveKeysResponse as _splitkey_v1_DeriveKeysResponse, DeriveKeysResponse__Output as _splitkey_v1_DeriveKeysResponse__Output } from '../../splitkey/v1/DeriveKeysResponse.js';
import type { EncryptRequest as _splitkey_v1_EncryptRequest, EncryptRequest__Output as _splitkey_v1_EncryptRequest__Output } from '../../splitkey/v1/EncryptRequest.js';
import type { EncryptResponse as _splitkey_v1_EncryptResponse, EncryptResponse__Output as _splitkey_v1_EncryptResponse__Output } from '../../splitkey/v1/EncryptResponse.js';
import type { GenerateDataKeyRequest as _splitkey_v1_GenerateDataKeyRequest, GenerateDataKeyRequest__Output as _splitkey_v1_GenerateDataKeyRequest__Output } from '../../splitkey/v1/GenerateDataKeyRequest.js';
import type { GenerateDataKeyResponse as _splitkey_v1_GenerateDataKeyResponse, GenerateDataKeyResponse__Output as _splitkey_v1_GenerateDataKeyResponse__Output } from '../../splitkey/v1/GenerateDataKeyResponse.js';

export interface ApplianceClient extends grpc.Client {
  Decrypt(argument: _splitkey_v1_DecryptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  Decrypt(argument: _splitkey_v1_DecryptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  Decrypt(argument: _splitkey_v1_DecryptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  Decrypt(argument: _splitkey_v1_DecryptRequest, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  decrypt(argument: _splitkey_v1_DecryptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  decrypt(argument: _splitkey_v1_DecryptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  decrypt(argument: _splitkey_v1_DecryptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  decrypt(argument: _splitkey_v1_DecryptRequest, callback: grpc.requestCallback<_splitkey_v1_DecryptResponse__Output>): grpc.ClientUnaryCall;
  
  DeriveKey(argument: _splitkey_v1_DeriveKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  DeriveKey(argument: _splitkey_v1_DeriveKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  DeriveKey(argument: _splitkey_v1_DeriveKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  DeriveKey(argument: _splitkey_v1_DeriveKeyRequest, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  deriveKey(argument: _splitkey_v1_DeriveKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  deriveKey(argument: _splitkey_v1_DeriveKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  deriveKey(argument: _splitkey_v1_DeriveKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  deriveKey(argument: _splitkey_v1_DeriveKeyRequest, callback: grpc.requestCallback<_splitkey_v1_DeriveKeyResponse__Output>): grpc.ClientUnaryCall;
  
  DeriveKeys(argument: _splitkey_v1_DeriveKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  DeriveKeys(argument: _splitkey_v1_DeriveKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  DeriveKeys(argument: _splitkey_v1_DeriveKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  DeriveKeys(argument: _splitkey_v1_DeriveKeysRequest, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  deriveKeys(argument: _splitkey_v1_DeriveKeysRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  deriveKeys(argument: _splitkey_v1_DeriveKeysRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  deriveKeys(argument: _splitkey_v1_DeriveKeysRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  deriveKeys(argument: _splitkey_v1_DeriveKeysRequest, callback: grpc.requestCallback<_splitkey_v1_DeriveKeysResponse__Output>): grpc.ClientUnaryCall;
  
  Encrypt(argument: _splitkey_v1_EncryptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  Encrypt(argument: _splitkey_v1_EncryptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  Encrypt(argument: _splitkey_v1_EncryptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  Encrypt(argument: _splitkey_v1_EncryptRequest, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  encrypt(argument: _splitkey_v1_EncryptRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  encrypt(argument: _splitkey_v1_EncryptRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  encrypt(argument: _splitkey_v1_EncryptRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  encrypt(argument: _splitkey_v1_EncryptRequest, callback: grpc.requestCallback<_splitkey_v1_EncryptResponse__Output>): grpc.ClientUnaryCall;
  
  GenerateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  GenerateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  GenerateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  GenerateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  generateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  generateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  generateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  generateDataKey(argument: _splitkey_v1_GenerateDataKeyRequest, callback: grpc.requestCallback<_splitkey_v1_GenerateDataKeyResponse__Output>): grpc.ClientUnaryCall;
  
}

export interface ApplianceHandlers extends grpc.UntypedServiceImplementation {
  Decrypt: grpc.handleUnaryCall<_splitkey_v1_DecryptRequest__Output, _splitkey_v1_DecryptResponse>;
  
  DeriveKey: grpc.handleUnaryCall<_splitkey_v1_DeriveKeyRequest__Output, _splitkey_v1_DeriveKeyResponse>;
  
  DeriveKeys: grpc.handleUnaryCall<_splitkey_v1_DeriveKeysRequest__Output, _splitkey_v1_DeriveKeysResponse>;
  
  Encrypt: grpc.handleUnaryCall<_splitkey_v1_EncryptRequest__Output, _splitkey_v1_EncryptResponse>;
  
  GenerateDataKey: grpc.handleUnaryCall<_splitkey_v1_GenerateDataKeyRequest__Output, _splitkey_v1_GenerateDataKeyResponse>;
  
}

export interface ApplianceDefinition extends grpc.ServiceDefinition {
  Decrypt: MethodDefinition<_splitkey_v1_DecryptRequest, _splitkey_v1_DecryptResponse, _splitkey_v1_DecryptRequest__Output, _splitkey_v1_DecryptResponse__Output>
  DeriveKey: MethodDefinition<_splitkey_v1_DeriveKeyRequest, _splitkey_v1_DeriveKeyResponse, _splitkey_v1_DeriveKeyRequest__Output, _splitkey_v1_DeriveKeyResponse__Output>
  DeriveKeys: MethodDefinition<_splitkey_v1_DeriveKeysRequest, _splitkey_v1_DeriveKeysResponse, _splitkey_v1_DeriveKeysRequest__Output, _splitkey_v1_DeriveKeysResponse__Output>
  Encrypt: MethodDefinition<_splitkey_v1_EncryptRequest, _splitkey_v1_EncryptResponse, _splitkey_v1_EncryptRequest__Output, _splitkey_v1_EncryptResponse__Output>
  GenerateDataKey: MethodDefinition<_splitkey_v1_GenerateDataKeyRequest, _splitkey_v1_GenerateDataKeyResponse, _splitkey_v1_GenerateDataKeyRequest__Output, _splitkey_v1_GenerateDataKeyResponse__Output>
}
