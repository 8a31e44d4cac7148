// The AdmissionReview response as JSON text, in the apiVersion the apiserver
// sent (it requires the match). The envelope is fixed text and the plain
// "allowed" answer (every warm-cache hit without warnings) is a constant
// fragment: only the uid is serialized per request.

export interface ReviewAnswer {
  allowed: boolean;
  code?: number;
  message?: string;
  warnings?: string[];
}

const envelope = (apiVersion: string) => `{"apiVersion":${JSON.stringify(apiVersion)},"kind":"AdmissionReview","response":{"uid":`;
const V1 = envelope('admission.k8s.io/v1');
const V1BETA1 = envelope('admission.k8s.io/v1beta1');
const PLAIN_ALLOWED = ',"allowed":true}}';

export function admissionReviewJson(apiVersion: string | undefined, uid: string, answer: ReviewAnswer): string {
  const head = (apiVersion === 'admission.k8s.io/v1beta1' ? V1BETA1 : V1) + JSON.stringify(uid);
  if (answer.allowed && !answer.message && !answer.warnings?.length) return head + PLAIN_ALLOWED;
  const rest = JSON.stringify({
    allowed: answer.allowed,
    ...(answer.message ? { status: { code: answer.code ?? (answer.allowed ? 200 : 403), message: answer.message } } : {}),
    ...(answer.warnings?.length ? { warnings: answer.warnings } : {}),
  });
  // `rest` is `{"allowed":…}`: its fields continue the response object after the uid.
  return `${head},${rest.slice(1)}}`;
}
