import { createS3Client, createUploadStorage } from '@toolgate/core/uploads/storage';
import { config } from './base';

export const s3 = createS3Client({ region: config.region, local: config.local });
export const uploadStorage = createUploadStorage(s3, config.bucketName);
