/**
 * Whether an Accept header allows DICOM JSON, the media type of QIDO-RS results (DICOM PS3.18
 * §10.6): `application/dicom+json`, plain JSON, `application/*` or anything do; no header does too.
 */
export const acceptsDicomJson = (accept: string | undefined): boolean =>
  !accept || /(^|,)\s*(application\/(dicom\+)?json|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept);
