/**
 * The bucket a production load balancer writes its access logs to, when the
 * config names none: private (public access blocked), TLS only, writable by
 * Elastic Load Balancing's log delivery under the configured prefix, and kept
 * when removed from the program (logs outlive the load balancer, like the
 * tasks' log group). S3 encrypts new objects with SSE-S3, the only
 * encryption ELB log delivery supports.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AWS_TAGS } from "../contracts/markers";
import { childName } from "../naming";
import { childOptions } from "../options";

/** The service that delivers ALB access logs, in every region (AWS's current bucket policy). */
export const ELB_LOG_DELIVERY = "logdelivery.elasticloadbalancing.amazonaws.com";

/** The bucket policy: ELB may put objects under `<prefix>/AWSLogs/`; nobody reaches the bucket without TLS. */
export function accessLogsPolicy(bucketArn: string, prefix: string): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "ElbLogDelivery",
        Effect: "Allow",
        Principal: { Service: ELB_LOG_DELIVERY },
        Action: "s3:PutObject",
        Resource: `${bucketArn}/${prefix}/AWSLogs/*`,
      },
      {
        Sid: "TlsOnly",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  });
}

/** Creates the bucket as children of `parent`; resolves to its name once ELB may write to it. */
export function accessLogsBucket(
  name: string,
  args: { readonly app: string; readonly prefix: string },
  parent: pulumi.Resource,
  dependsOn: pulumi.ResourceOptions["dependsOn"],
): { bucket: pulumi.Output<string>; ready: pulumi.Resource } {
  const tags = { [AWS_TAGS.app]: args.app };
  const bucket = new aws.s3.Bucket(name, { tags }, childOptions(parent, dependsOn, { retainOnDelete: true }));
  const publicAccess = new aws.s3.BucketPublicAccessBlock(
    childName(name, "public-access"),
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    childOptions(parent, dependsOn),
  );
  const policy = new aws.s3.BucketPolicy(
    childName(name, "policy"),
    { bucket: bucket.id, policy: bucket.arn.apply((arn) => accessLogsPolicy(arn, args.prefix)) },
    // One bucket update at a time: S3 refuses concurrent changes of a bucket's access settings.
    childOptions(parent, [dependsOn, publicAccess]),
  );
  return { bucket: bucket.bucket, ready: policy };
}
