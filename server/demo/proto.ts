import * as protoLoader from "@grpc/proto-loader";
import * as grpc from "@grpc/grpc-js";
import protobuf from "protobufjs";
import type { BookinfoApp } from "./bookinfo";

/**
 * The demo's gRPC API: one service per Bookinfo app. Kept inline (parsed with
 * protobufjs) so it needs no file lookup at run time, whatever bundles it.
 */
const BOOKINFO_PROTO = `
syntax = "proto3";
package sextant.demo.bookinfo.v1;

message ProductRequest { int32 product_id = 1; }
message Product {
  int32 id = 1;
  string title = 2;
  BookDetails details = 3;
  repeated Review reviews = 4;
  string reviews_error = 5;
  string details_error = 6;
}
message DetailsRequest { int32 product_id = 1; }
message BookDetails { int32 id = 1; string author = 2; int32 year = 3; string type = 4; int32 pages = 5; string publisher = 6; string language = 7; string isbn_10 = 8; string isbn_13 = 9; }
message ReviewsRequest { int32 product_id = 1; }
message Review { string reviewer = 1; string text = 2; int32 stars = 3; string color = 4; }
message ReviewList { int32 id = 1; string podname = 2; repeated Review reviews = 3; string ratings_error = 4; }
message RatingsRequest { int32 product_id = 1; }
message RatingList { int32 id = 1; map<string, int32> ratings = 2; }

service ProductPage { rpc GetProduct(ProductRequest) returns (Product); }
service Details { rpc GetDetails(DetailsRequest) returns (BookDetails); }
service Reviews { rpc GetReviews(ReviewsRequest) returns (ReviewList); }
service Ratings { rpc GetRatings(RatingsRequest) returns (RatingList); }
`;

export const PROTO_PACKAGE = "sextant.demo.bookinfo.v1";

/** The gRPC service and method each Bookinfo app serves. */
export const bookinfoMethods: Record<BookinfoApp, { service: string; method: string }> = {
  productpage: { service: "ProductPage", method: "GetProduct" },
  details: { service: "Details", method: "GetDetails" },
  reviews: { service: "Reviews", method: "GetReviews" },
  ratings: { service: "Ratings", method: "GetRatings" },
};

let loaded: Record<BookinfoApp, grpc.ServiceDefinition> | undefined;

export function bookinfoServiceDefinitions(): Record<BookinfoApp, grpc.ServiceDefinition> {
  if (loaded) return loaded;
  const root = protobuf.parse(BOOKINFO_PROTO, { keepCase: false }).root;
  const pkg = protoLoader.fromJSON(root.toJSON(), { keepCase: false, longs: Number, defaults: true });
  const byApp = {} as Record<BookinfoApp, grpc.ServiceDefinition>;
  for (const [app, { service }] of Object.entries(bookinfoMethods) as [BookinfoApp, { service: string }][]) {
    byApp[app] = pkg[`${PROTO_PACKAGE}.${service}`] as unknown as grpc.ServiceDefinition;
  }
  loaded = byApp;
  return loaded;
}
