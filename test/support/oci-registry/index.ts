export { startRegistry, freePort, type RunningRegistry, type RegistryTokenAuth } from './registry-process';
export { startTokenServer, type RunningTokenServer } from './token-server';
export { buildImage, buildIndex, writeOciLayout, blob, descriptor, sha256, type Blob, type TestImage, type TestIndex } from './image-builder';
export { skopeoCopyFromLayout } from './skopeo';
export {
  cosignTagFor,
  simpleSigningPayload,
  signBytes,
  pae,
  inTotoStatement,
  dsseEnvelope,
  signatureLayer,
  attestationLayer,
  pushCosignManifest,
  pushImage,
  type CosignLayer,
} from './cosign-signer';
export { startSilentServer, startScriptedServer, streamForever, type RunningServer, type Handler } from './misbehaving-servers';
